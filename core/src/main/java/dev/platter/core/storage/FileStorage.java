package dev.platter.core.storage;

import com.sun.jna.LastErrorException;
import com.sun.nio.file.ExtendedOpenOption;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A host file through {@link FileChannel}: positional, thread-safe reads and writes. Holes, preallocation and
 * the allocated size come from Linux (SEEK_DATA/SEEK_HOLE, fallocate, st_blocks) through a second descriptor
 * opened on first need; elsewhere the whole file counts as data.
 *
 * <p>A host block device (a disk, a partition, an LV, a loop device) is storage too, as qemu's host_device driver
 * has it: its size is the device's (BLKGETSIZE64) and never changes (a resize to another size fails with qemu's
 * "Cannot resize device files", a write past it fails), it has no holes (every byte is data, as qemu-img map
 * reports a device), zeroing asks the kernel (fallocate, which on a block device zeroes and unmaps where the device
 * can, then BLKZEROOUT) and falls back to writing zeros, and direct writes honour its logical block size
 * (BLKSSZGET). A read-write open of a device set read-only (blockdev --setro) fails as qemu's does.
 */
public final class FileStorage implements Storage {
    private final String name;
    private final Path path;
    private final FileChannel channel;
    private final boolean readOnly;
    private final Object nativeLock = new Object();
    private int nativeFd = -1;
    private boolean nativeFailed;
    /** Aligned writes go through this O_DIRECT channel when set (see {@link #bypassPageCacheForAlignedWrites}). */
    private volatile FileChannel directChannel;
    private int directAlignment;
    /** qemu lock bytes this storage's descriptor holds (offsets), guarded by {@link #nativeLock}. */
    private final java.util.Set<Integer> lockedBytes = new java.util.TreeSet<>();
    /** Bytes still to go through the page cache before the direct channel takes aligned writes. */
    private final AtomicLong cachedBeforeDirect = new AtomicLong();
    /** Whether this is a block device; then its size and logical block size, read once when it is opened. */
    private final boolean blockDevice;
    private volatile long deviceSize;
    private volatile int logicalBlockSize = 512;
    /** Whether the kernel zeroes ranges of this device (fallocate, then BLKZEROOUT); cleared at the first refusal. */
    private volatile boolean kernelZeroesRanges = true;
    private volatile boolean kernelZeroOut = true;

    private FileStorage(String name, Path path, FileChannel channel, boolean readOnly, boolean blockDevice) {
        this.name = name;
        this.path = path;
        this.channel = channel;
        this.readOnly = readOnly;
        this.blockDevice = blockDevice;
    }

    /** Whether {@code path} names a block device (after following symbolic links, as an open does). */
    public static boolean isBlockDevice(Path path) {
        return isBlockDevice(path, new LinkOption[0]);
    }

    private static boolean isBlockDevice(Path path, LinkOption[] links) {
        try {
            Object mode = Files.getAttribute(path, "unix:mode", links);
            return mode instanceof Integer m && (m & S_IFMT) == S_IFBLK;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return false;
        }
    }

    private static final int S_IFMT = 0170000;
    private static final int S_IFBLK = 0060000;

    /** Opens an existing regular file or block device. */
    public static FileStorage open(Path path, boolean readOnly) throws IOException {
        return open(path, path.toString(), readOnly);
    }

    /** Opens an existing regular file or block device, reporting it under {@code name} (the path as typed). */
    public static FileStorage open(Path path, String name, boolean readOnly) throws IOException {
        return open(path, name, readOnly, false);
    }

    /**
     * Opens an existing regular file or block device; with {@code noFollow} a symbolic link as the last component is
     * refused (O_NOFOLLOW), so an untrusted image is never read through a link swapped in after it was checked.
     */
    public static FileStorage open(Path path, String name, boolean readOnly, boolean noFollow) throws IOException {
        LinkOption[] links = noFollow ? new LinkOption[] {LinkOption.NOFOLLOW_LINKS} : new LinkOption[0];
        BasicFileAttributes attrs;
        try {
            attrs = Files.readAttributes(path, BasicFileAttributes.class, links);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(name, null, "No such file or directory");
        }
        if (attrs.isSymbolicLink()) {
            throw new IOException(name + ": is a symbolic link (not followed for untrusted images)");
        }
        if (attrs.isDirectory()) {
            throw new IOException(name + ": is a directory, not an image file");
        }
        boolean device = !attrs.isRegularFile() && isBlockDevice(path, links);
        if (!attrs.isRegularFile() && !device) {
            throw new IOException(name + ": not a regular file or block device");
        }
        FileChannel ch;
        try {
            ch = readOnly ? FileChannel.open(path, with(links, StandardOpenOption.READ))
                    : FileChannel.open(path, with(links, StandardOpenOption.READ, StandardOpenOption.WRITE));
        } catch (AccessDeniedException e) {
            throw new AccessDeniedException(name, null, "Permission denied");
        }
        FileStorage s = new FileStorage(name, path, ch, readOnly, device);
        if (device) {
            try {
                s.describeDevice();
            } catch (IOException | RuntimeException e) {
                s.close();
                throw e;
            }
        }
        return s;
    }

    /**
     * Reads the device's size and logical block size, and refuses a read-write open of a device the kernel holds
     * read-only (the open itself succeeds there and only writes would fail), with qemu's message.
     */
    private void describeDevice() throws IOException {
        int fd = nativeFd();
        long size = -1;
        if (fd >= 0) {
            try {
                size = NativeFiles.blockDeviceSize(fd);
            } catch (LastErrorException e) {
                size = -1;
            }
            try {
                int block = NativeFiles.ioctlInt(fd, NativeFiles.BLKSSZGET);
                if (block >= 512 && block <= 65536 && Integer.bitCount(block) == 1) {
                    logicalBlockSize = block;
                }
            } catch (LastErrorException e) {
                // 512 then, the smallest there is.
            }
            if (!readOnly) {
                boolean ro;
                try {
                    ro = NativeFiles.ioctlInt(fd, NativeFiles.BLKROGET) != 0;
                } catch (LastErrorException e) {
                    ro = false;
                }
                if (ro) {
                    throw new IOException(name + ": The device is not writable: Permission denied");
                }
            }
        }
        // Without the ioctl: the JDK's own size of a device (the end it seeks to).
        deviceSize = size >= 0 ? size : channel.size();
    }

    private static OpenOption[] with(LinkOption[] links, OpenOption... options) {
        OpenOption[] all = Arrays.copyOf(options, options.length + links.length);
        System.arraycopy(links, 0, all, options.length, links.length);
        return all;
    }

    /**
     * Creates a new empty file; fails if it exists unless {@code overwrite}. A block device cannot be created nor
     * emptied: with {@code overwrite} it is opened as it is, read-write, locked as qemu's create locks a device
     * ({@link ImageLock#deviceCreation()}), and its size stays the device's.
     */
    public static FileStorage create(Path path, boolean overwrite) throws IOException {
        if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException(path + ": is a directory");
        }
        if (isBlockDevice(path)) {
            if (!overwrite) {
                throw new java.nio.file.FileAlreadyExistsException(path.toString());
            }
            FileStorage s = open(path, path.toString(), false);
            try {
                s.lock(ImageLock.deviceCreation());
            } catch (IOException e) {
                s.close();
                throw e instanceof ImageLockedException ? new IOException(path + ": " + e.getMessage(), e) : e;
            }
            return s;
        }
        FileChannel ch = overwrite
                ? FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE, StandardOpenOption.CREATE)
                : FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE,
                StandardOpenOption.CREATE_NEW);
        FileStorage s = new FileStorage(path.toString(), path, ch, false, false);
        if (overwrite && ch.size() > 0) {
            // As qemu's create: lock before truncating, so that a file in use (a running guest's disk) is refused.
            try {
                s.lock(ImageLock.writer(true));
                ch.truncate(0);
            } catch (IOException e) {
                s.close();
                throw e instanceof ImageLockedException ? new IOException(path + ": " + e.getMessage(), e) : e;
            }
        }
        return s;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Path path() {
        return path;
    }

    @Override
    public long size() throws IOException {
        return blockDevice ? deviceSize : channel.size();
    }

    @Override
    public boolean isBlockDevice() {
        return blockDevice;
    }

    /** A block device's logical block size (BLKSSZGET), the unit of its direct I/O; 512 for a regular file. */
    public int logicalBlockSize() {
        return logicalBlockSize;
    }

    @Override
    public boolean isReadOnly() {
        return readOnly;
    }

    @Override
    public FileChannel channel() {
        return channel;
    }

    @Override
    public int readAt(long pos, ByteBuffer dst) throws IOException {
        int total = 0;
        while (dst.hasRemaining()) {
            int n = channel.read(dst, pos + total);
            if (n < 0) {
                break;
            }
            total += n;
        }
        return total;
    }

    @Override
    public void write(long pos, ByteBuffer src) throws IOException {
        checkWritable();
        if (blockDevice && (pos < 0 || pos + src.remaining() > deviceSize)) {
            throw new IOException(name + ": write of " + src.remaining() + " bytes at offset " + pos
                    + " ends past the end of the device (" + deviceSize + " bytes)");
        }
        long p = pos;
        FileChannel direct = directChannel;
        if (direct != null && bypassesCache(p, src)) {
            try {
                while (src.hasRemaining()) {
                    p += direct.write(src, p);
                }
                return;
            } catch (IOException e) {
                if (!direct.isOpen()) {
                    throw e;
                }
                // The host refused this direct write (a filesystem quirk): the rest goes through the page cache.
            }
        }
        while (src.hasRemaining()) {
            p += channel.write(src, p);
        }
    }

    /** Whether this write goes to the direct channel: the cached allowance is used up and the write is aligned. */
    private boolean bypassesCache(long pos, ByteBuffer src) {
        if (cachedBeforeDirect.get() > 0 && cachedBeforeDirect.addAndGet(-src.remaining()) >= 0) {
            return false;
        }
        int a = directAlignment;
        return src.isDirect() && (pos & (a - 1)) == 0 && (src.remaining() & (a - 1)) == 0
                && src.alignmentOffset(src.position(), a) == 0;
    }

    @Override
    public boolean bypassPageCacheForAlignedWrites(long afterBytes) {
        if (readOnly) {
            return false;
        }
        synchronized (nativeLock) {
            cachedBeforeDirect.set(Math.max(0, afterBytes));
            if (directChannel != null) {
                return true;
            }
            try {
                // The JDK aligns direct I/O to the block size of the filesystem holding the name (devtmpfs for a
                // device node); a device needs its logical block size: the larger of the two serves both.
                long block = Math.max(Files.getFileStore(path).getBlockSize(), blockDevice ? logicalBlockSize : 0);
                if (block < 512 || block > 65536 || Long.bitCount(block) != 1) {
                    return false;
                }
                directAlignment = (int) block;
                directChannel = FileChannel.open(path, StandardOpenOption.WRITE, ExtendedOpenOption.DIRECT);
                return true;
            } catch (IOException | UnsupportedOperationException e) {
                // tmpfs and some network filesystems refuse O_DIRECT: everything stays in the page cache.
                return false;
            }
        }
    }

    /** The alignment of writes that go to the direct channel (0 before {@link #bypassPageCacheForAlignedWrites}). */
    int directAlignment() {
        synchronized (nativeLock) {
            return directChannel == null ? 0 : directAlignment;
        }
    }

    @Override
    public void setSize(long size) throws IOException {
        checkWritable();
        if (blockDevice) {
            // As qemu's exact truncate of a device: only its own size is accepted.
            if (size != deviceSize) {
                throw new IOException("Cannot resize device files");
            }
            return;
        }
        long current = channel.size();
        if (size < current) {
            channel.truncate(size);
        } else if (size > current) {
            // Writing one byte at the end would allocate a block; ftruncate leaves a hole.
            try (var raf = new java.io.RandomAccessFile(path.toFile(), "rw")) {
                raf.setLength(size);
            }
        }
    }

    @Override
    public void flush() throws IOException {
        if (!readOnly) {
            channel.force(true);
        }
    }

    @Override
    public void punchHole(long pos, long len) throws IOException {
        checkWritable();
        long size = size();
        long end = Math.min(size, pos + len);
        if (end <= pos) {
            return;
        }
        if (blockDevice) {
            zeroDeviceRange(pos, end);
            return;
        }
        int fd = nativeFd();
        if (fd >= 0) {
            try {
                NativeFiles.fallocate(fd, NativeFiles.FALLOC_FL_PUNCH_HOLE | NativeFiles.FALLOC_FL_KEEP_SIZE,
                        pos, end - pos);
                return;
            } catch (LastErrorException e) {
                // The host filesystem cannot punch holes: fall back to writing zeros.
            }
        }
        writeZeros(pos, end - pos);
    }

    /**
     * Zeroes [pos, end) of a block device: the whole logical blocks by the kernel (fallocate PUNCH_HOLE, which on a
     * block device zeroes and may unmap, as qemu zeroes a device; then BLKZEROOUT, where the kernel writes zeros if
     * the device has no zeroing command), the partial blocks at either end, and everything when the kernel refuses,
     * by writing zeros. The kernel drops the range from the page cache in both calls.
     */
    private void zeroDeviceRange(long pos, long end) throws IOException {
        long a = logicalBlockSize;
        long from = (pos + a - 1) / a * a;
        long to = end / a * a;
        if (from >= to) {
            writeZeros(pos, end - pos);
            return;
        }
        if (pos < from) {
            writeZeros(pos, from - pos);
        }
        if (!kernelZeroes(from, to - from)) {
            writeZeros(from, to - from);
        }
        if (to < end) {
            writeZeros(to, end - to);
        }
    }

    /** Asks the kernel to zero an aligned range of this device; false when it cannot (the caller writes zeros). */
    private boolean kernelZeroes(long pos, long len) {
        int fd = nativeFd();
        if (fd < 0) {
            return false;
        }
        if (kernelZeroesRanges) {
            try {
                NativeFiles.fallocate(fd, NativeFiles.FALLOC_FL_PUNCH_HOLE | NativeFiles.FALLOC_FL_KEEP_SIZE,
                        pos, len);
                return true;
            } catch (LastErrorException e) {
                // EOPNOTSUPP: no zeroing command without a fallback (older kernels: no fallocate on devices).
                kernelZeroesRanges = false;
            }
        }
        if (kernelZeroOut) {
            try {
                NativeFiles.zeroOut(fd, pos, len);
                return true;
            } catch (LastErrorException e) {
                kernelZeroOut = false;
            }
        }
        return false;
    }

    @Override
    public void allocate(long pos, long len) throws IOException {
        checkWritable();
        if (len <= 0) {
            return;
        }
        if (blockDevice) {
            // Every block of a device exists; it cannot grow.
            if (pos + len > deviceSize) {
                throw new IOException("Cannot grow device files");
            }
            return;
        }
        int fd = nativeFd();
        if (fd >= 0) {
            try {
                NativeFiles.fallocate(fd, 0, pos, len);
                return;
            } catch (LastErrorException e) {
                // Not supported here: fall back to writing zeros where the file has none yet.
            }
        }
        long size = channel.size();
        if (pos + len > size) {
            long from = Math.max(pos, size);
            writeZeros(from, pos + len - from);
        }
    }

    private void writeZeros(long pos, long len) throws IOException {
        ByteBuffer zeros = ByteBuffer.allocateDirect((int) Math.min(len, 1 << 20));
        long done = 0;
        while (done < len) {
            zeros.clear().limit((int) Math.min(zeros.capacity(), len - done));
            write(pos + done, zeros);
            done += zeros.limit();
        }
    }

    @Override
    public HostRun run(long pos) throws IOException {
        long size = size();
        if (pos < 0 || pos >= size) {
            throw new IllegalArgumentException("run at " + pos + " outside " + name + " (" + size + " bytes)");
        }
        if (blockDevice) {
            // A device has no holes that can be asked for: all data, as qemu's host_device reports it.
            return new HostRun(true, size - pos);
        }
        int fd = nativeFd();
        if (fd < 0) {
            return new HostRun(true, size - pos);
        }
        try {
            long data = NativeFiles.lseek(fd, pos, NativeFiles.SEEK_DATA);
            if (data > pos) {
                return new HostRun(false, Math.min(data, size) - pos);
            }
            long hole = NativeFiles.lseek(fd, pos, NativeFiles.SEEK_HOLE);
            return new HostRun(true, Math.max(1, Math.min(hole, size) - pos));
        } catch (LastErrorException e) {
            if (e.getErrorCode() == NativeFiles.ENXIO) {
                // No data at or after pos: the rest is one hole.
                return new HostRun(false, size - pos);
            }
            return new HostRun(true, size - pos);
        }
    }

    @Override
    public long allocatedBytes() throws IOException {
        int fd = nativeFd();
        if (fd < 0) {
            return -1;
        }
        try {
            return NativeFiles.allocatedBytes(fd);
        } catch (LastErrorException e) {
            return -1;
        }
    }

    /** qemu's lock byte bases: one byte per permission held, one per permission not shared. */
    private static final int LOCK_HELD_BASE = 100;
    private static final int LOCK_NOT_SHARED_BASE = 200;

    /**
     * Takes the lock bytes as qemu's file-posix driver does: read locks (open file description locks, so they belong
     * to this descriptor) on base 100 + bit for each permission held and 200 + bit for each one not shared; then,
     * for each permission held, no other descriptor may lock 200 + bit, and for each one not shared, no other may
     * lock 100 + bit. On a conflict the previous locks are restored. Without the native calls nothing is locked.
     */
    @Override
    public void lock(ImageLock lock) throws IOException {
        synchronized (nativeLock) {
            int fd = nativeFd();
            if (fd < 0) {
                return;
            }
            java.util.Set<Integer> want = new java.util.TreeSet<>();
            for (ImageLock.Permission p : ImageLock.Permission.values()) {
                if (lock.held().contains(p)) {
                    want.add(LOCK_HELD_BASE + p.ordinal());
                }
                if (!lock.shared().contains(p)) {
                    want.add(LOCK_NOT_SHARED_BASE + p.ordinal());
                }
            }
            java.util.Set<Integer> before = new java.util.TreeSet<>(lockedBytes);
            try {
                for (int b : want) {
                    if (!lockedBytes.contains(b)) {
                        setLockByte(fd, b, true);
                    }
                }
                for (ImageLock.Permission p : ImageLock.Permission.values()) {
                    if (lock.held().contains(p) && NativeFiles.byteLockedByOthers(fd, LOCK_NOT_SHARED_BASE + p.ordinal())) {
                        throw new ImageLockedException(name, "Failed to get \"" + p.qemuName() + "\" lock");
                    }
                }
                for (ImageLock.Permission p : ImageLock.Permission.values()) {
                    if (!lock.shared().contains(p) && NativeFiles.byteLockedByOthers(fd, LOCK_HELD_BASE + p.ordinal())) {
                        throw new ImageLockedException(name, "Failed to get shared \"" + p.qemuName() + "\" lock");
                    }
                }
            } catch (IOException | LastErrorException e) {
                for (int b : new java.util.TreeSet<>(lockedBytes)) {
                    if (!before.contains(b)) {
                        setLockByte(fd, b, false);
                    }
                }
                if (e instanceof LastErrorException le) {
                    throw new ImageLockedException(name, "Failed to lock byte " + le.getMessage());
                }
                throw (IOException) e;
            }
            for (int b : new java.util.TreeSet<>(lockedBytes)) {
                if (!want.contains(b)) {
                    setLockByte(fd, b, false);
                }
            }
        }
    }

    private void setLockByte(int fd, int offset, boolean on) {
        try {
            NativeFiles.lockByte(fd, offset, on ? NativeFiles.F_RDLCK : NativeFiles.F_UNLCK);
        } catch (LastErrorException e) {
            if (on) {
                throw new LastErrorException(offset + " (errno " + e.getErrorCode() + ")");
            }
            return;
        }
        if (on) {
            lockedBytes.add(offset);
        } else {
            lockedBytes.remove(offset);
        }
    }

    /** A native descriptor for the calls Java lacks, or -1 when unavailable. */
    private int nativeFd() {
        synchronized (nativeLock) {
            if (nativeFd >= 0 || nativeFailed) {
                return nativeFd;
            }
            if (!NativeFiles.available()) {
                nativeFailed = true;
                return -1;
            }
            try {
                int flags = (readOnly ? NativeFiles.O_RDONLY : NativeFiles.O_RDWR) | NativeFiles.O_CLOEXEC;
                nativeFd = NativeFiles.open(path.toAbsolutePath().toString(), flags);
            } catch (LastErrorException | UnsatisfiedLinkError e) {
                nativeFailed = true;
            }
            return nativeFd;
        }
    }

    @Override
    public void close() throws IOException {
        synchronized (nativeLock) {
            if (nativeFd >= 0) {
                try {
                    NativeFiles.close(nativeFd);
                } catch (LastErrorException e) {
                    // Closing a read descriptor cannot lose data; nothing to report.
                }
                nativeFd = -1;
            }
            nativeFailed = true;
            if (directChannel != null) {
                directChannel.close();
                directChannel = null;
            }
        }
        channel.close();
    }

    @Override
    public String toString() {
        return name;
    }
}
