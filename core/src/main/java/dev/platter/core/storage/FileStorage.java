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

    private FileStorage(String name, Path path, FileChannel channel, boolean readOnly) {
        this.name = name;
        this.path = path;
        this.channel = channel;
        this.readOnly = readOnly;
    }

    /** Opens an existing regular file. */
    public static FileStorage open(Path path, boolean readOnly) throws IOException {
        return open(path, path.toString(), readOnly);
    }

    /** Opens an existing regular file, reporting it under {@code name} (the path as the user typed it). */
    public static FileStorage open(Path path, String name, boolean readOnly) throws IOException {
        return open(path, name, readOnly, false);
    }

    /**
     * Opens an existing regular file; with {@code noFollow} a symbolic link as the last component is refused
     * (O_NOFOLLOW), so an untrusted image is never read through a link swapped in after it was checked.
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
        if (!attrs.isRegularFile()) {
            throw new IOException(name + ": not a regular file");
        }
        FileChannel ch;
        try {
            ch = readOnly ? FileChannel.open(path, with(links, StandardOpenOption.READ))
                    : FileChannel.open(path, with(links, StandardOpenOption.READ, StandardOpenOption.WRITE));
        } catch (AccessDeniedException e) {
            throw new AccessDeniedException(name, null, "Permission denied");
        }
        return new FileStorage(name, path, ch, readOnly);
    }

    private static OpenOption[] with(LinkOption[] links, OpenOption... options) {
        OpenOption[] all = Arrays.copyOf(options, options.length + links.length);
        System.arraycopy(links, 0, all, options.length, links.length);
        return all;
    }

    /** Creates a new empty file; fails if it exists unless {@code overwrite}. */
    public static FileStorage create(Path path, boolean overwrite) throws IOException {
        if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException(path + ": is a directory");
        }
        FileChannel ch = overwrite
                ? FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE, StandardOpenOption.CREATE)
                : FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE,
                StandardOpenOption.CREATE_NEW);
        FileStorage s = new FileStorage(path.toString(), path, ch, false);
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
        return channel.size();
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
                long block = Files.getFileStore(path).getBlockSize();
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

    @Override
    public void setSize(long size) throws IOException {
        checkWritable();
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
        long size = channel.size();
        long end = Math.min(size, pos + len);
        if (end <= pos) {
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

    @Override
    public void allocate(long pos, long len) throws IOException {
        checkWritable();
        if (len <= 0) {
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
        long size = channel.size();
        if (pos < 0 || pos >= size) {
            throw new IllegalArgumentException("run at " + pos + " outside " + name + " (" + size + " bytes)");
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
