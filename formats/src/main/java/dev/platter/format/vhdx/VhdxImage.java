package dev.platter.format.vhdx;

import dev.platter.core.Bounds;
import dev.platter.core.CorruptImageException;
import dev.platter.core.Extent;
import dev.platter.core.ReadOnlyDeviceException;
import dev.platter.core.UnsupportedFeatureException;
import dev.platter.core.image.Image;
import dev.platter.core.image.ImageCheck;
import dev.platter.core.image.ImageInfo;
import dev.platter.core.image.ImageMapper;
import dev.platter.core.image.MappedReader;
import dev.platter.core.image.MappedRun;
import dev.platter.core.image.Images;
import dev.platter.core.image.OpenOptions;
import dev.platter.core.image.ReferenceKind;
import dev.platter.core.image.ReferenceResolver;
import dev.platter.core.image.capability.FlushBarriers;
import dev.platter.core.storage.Storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * An open VHDX disk: dynamic or fixed, or differencing (read only; qemu 7.2 refuses those). Opening follows
 * qemu's vhdx_open: the file identifier, the current header, the log (replayed: on disk when open read-write, as
 * qemu does, in memory when read-only, where qemu refuses), the region table, the metadata, the BAT, and every
 * fully present block checked against the file's end and its metadata regions. A differencing disk's parent is its
 * locator's relative path, opened through the reference gate and checked against the locator's parent_linkage; its
 * blocks that are not present, and the sectors of partially present blocks that their sector bitmap does not mark,
 * read from the parent.
 *
 * <p>Writes allocate a new block at the next MiB past the end of the file, as qemu's do. Unlike qemu, which logs
 * and applies each BAT change at once, BAT changes wait in memory until a flush (or close), which first flushes
 * the data, then writes every changed BAT sector through the log: headers naming a new log GUID, the log entry,
 * a flush, the BAT sectors in place, a flush, headers with no log GUID. A crash leaves either the old BAT, a log
 * that the next open replays, or the new BAT; never a BAT entry pointing at unwritten data.
 *
 * <p>Thread-safe: reads run concurrently with each other; writes, flushes and closing take one lock, and reads
 * of a writable disk take it too (the BAT changes under them).
 */
public final class VhdxImage implements Image, FlushBarriers {
    static final byte[] SIGNATURE = "vhdxfile".getBytes(StandardCharsets.US_ASCII);
    static final long MIB = 1 << 20;

    private final Storage file;
    /** What structures and payload are read from: the file, or the file as an in-memory log replay left it. */
    private final Storage data;
    private final VhdxHeaders headers;
    /** A differencing disk's parent (null otherwise, or when backing files are not opened) and its locator. */
    private final Image parent;
    private final ParentLocator locator;
    private final SectorBitmaps bitmaps;
    /** The log and the regions: what no payload block may overlap. */
    private final FileRegions regions;
    private final VhdxMetadata metadata;
    private final Bat bat;
    private final long size;
    private final boolean readOnly;
    private final MappedReader reads;
    private final Object lock = new Object();
    private final VhdxGuid session = VhdxGuid.random();
    /** What happened to a log at open: nothing, replayed on disk, or replayed in memory only. */
    private final LogState logState;
    private boolean wroteVisibleData;
    private boolean ownsFile = true;
    private boolean barriers = true;
    private long nextLogSequence;
    private volatile boolean closed;

    enum LogState { CLEAN, REPLAYED_ON_DISK, REPLAYED_IN_MEMORY }

    private VhdxImage(Storage file, Storage data, VhdxHeaders headers, FileRegions regions, VhdxMetadata metadata,
                      Bat bat, boolean readOnly, LogState logState, long nextLogSequence, Image parent,
                      ParentLocator locator) {
        this.file = file;
        this.parent = parent;
        this.locator = locator;
        this.bitmaps = new SectorBitmaps(data, bat, metadata.blockSize(), metadata.logicalSectorSize());
        this.regions = regions;
        this.data = data;
        this.headers = headers;
        this.metadata = metadata;
        this.bat = bat;
        this.readOnly = readOnly;
        this.logState = logState;
        this.nextLogSequence = nextLogSequence;
        // qemu's size in 512-byte sectors; a 4096-byte-sector disk keeps its stored size too (as libvhdi reads it)
        this.size = metadata.virtualSize() / 512 * 512;
        this.reads = new MappedReader(new Mapper(), () -> size, this::backing);
    }

    /**
     * Opens the disk on {@code file}; the image owns the file from then on (and closes it on failure too).
     *
     * @param forCheck as qemu's BDRV_O_CHECK: blocks past the end of the file are left to {@link #check}
     */
    static VhdxImage open(Storage file, OpenOptions options, boolean forCheck) throws IOException {
        return open(file, options, forCheck, true);
    }

    /** @param ownsFile whether the image closes the file (on failure too); not for a safety inspection */
    static VhdxImage open(Storage file, OpenOptions options, boolean forCheck, boolean ownsFile) throws IOException {
        try {
            VhdxImage image = openOrFail(file, options, forCheck);
            image.ownsFile = ownsFile;
            return image;
        } catch (IOException | RuntimeException e) {
            if (!ownsFile) {
                throw e;
            }
            try {
                file.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    private static VhdxImage openOrFail(Storage file, OpenOptions options, boolean forCheck) throws IOException {
        byte[] id = VhdxFile.readPadded(file, 0, SIGNATURE.length);
        if (!java.util.Arrays.equals(id, SIGNATURE)) {
            throw new CorruptImageException("vhdx file identifier", 0, "no 'vhdxfile' signature");
        }
        VhdxHeaders headers = VhdxHeaders.read(file);
        VhdxHeader h = headers.current();
        FileRegions regions = new FileRegions();
        regions.add(h.logOffset(), h.logLength());
        VhdxLog.Replay replay = VhdxLog.pendingReplay(file, h, headers.currentOffset());
        Storage data = file;
        LogState state = LogState.CLEAN;
        long nextSequence = 1;
        boolean readOnly = options.readOnly();
        if (replay != null) {
            nextSequence = replay.nextSequence();
            if (readOnly) {
                ReplayOverlay overlay = new ReplayOverlay(file);
                LogReplay.apply(replay, h.logOffset(), overlay);
                data = overlay.view();
                state = LogState.REPLAYED_IN_MEMORY;
            } else {
                // qemu's vhdx_log_flush: a visible write first (new data GUID), the replay, the log emptied.
                VhdxGuid session = VhdxGuid.random();
                headers.update(file, session, true, null, true);
                LogReplay.apply(replay, h.logOffset(), new FileTarget(file));
                headers.update(file, session, false, VhdxGuid.ZERO, true);
                state = LogState.REPLAYED_ON_DISK;
            }
        }
        RegionTable table = RegionTable.parse(VhdxFile.readPadded(data, RegionTable.OFFSET, RegionTable.SIZE),
                regions);
        VhdxMetadata m = VhdxMetadata.read(data, table.metadata());
        ParentLocator locator = null;
        if (m.hasParent()) {
            if (!readOnly) {
                throw new UnsupportedFeatureException("writing differencing vhdx", "differencing vhdx images are "
                        + "read only in Platter (qemu-img 7.2 does not open them at all)");
            }
            locator = ParentLocator.read(data, m.parentLocatorOffset(), m.parentLocatorLength());
        }
        Bat bat = Bat.read(data, table.bat(), m);
        Image parent = locator == null ? null : openParent(file, locator, options, m.parentLocatorOffset());
        try {
            VhdxImage image = new VhdxImage(file, data, headers, regions, m, bat, readOnly, state, nextSequence,
                    parent, locator);
            if (!forCheck) {
                List<String> problems = VhdxChecker.batProblems(image, regions, true);
                if (!problems.isEmpty()) {
                    throw new CorruptImageException("vhdx BAT", table.bat().offset(), problems.get(0));
                }
            }
            return image;
        } catch (IOException | RuntimeException e) {
            if (parent != null) {
                try {
                    parent.close();
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
    }

    /**
     * A differencing disk's parent: its {@code relative_path} through the reference gate (an untrusted image's is
     * refused; chain depth and loops are the gate's to bound), as a vhdx whose data write GUID is the locator's
     * parent_linkage. Null when the caller does not open backing files.
     */
    private static Image openParent(Storage file, ParentLocator locator, OpenOptions options, long locatorOffset)
            throws IOException {
        String name = locator.relativePath();
        if (name == null) {
            throw new CorruptImageException("vhdx parent locator", locatorOffset, "no relative_path (only "
                    + locator.entries().keySet() + ")");
        }
        Path referrer = file.path() != null ? file.path() : Path.of(file.name());
        if (options.isUntrusted()) {
            options.resolver().resolve(referrer, name, ReferenceKind.BACKING_FILE); // refuses
        }
        if (!options.openBacking()) {
            return null;
        }
        Image parent;
        try {
            parent = Images.openBacking(referrer, name, VhdxFormat.NAME, options);
        } catch (CorruptImageException | UnsupportedFeatureException e) {
            throw e;
        } catch (IOException e) {
            throw new IOException("Could not open backing file: " + e.getMessage(), e);
        }
        if (!(parent instanceof VhdxImage p) || !locator.linksTo(p.headers.current().dataWriteGuid())) {
            String found = parent instanceof VhdxImage p ? "{" + p.headers.current().dataWriteGuid() + "}"
                    : "a " + parent.formatName() + " image";
            parent.close();
            throw new CorruptImageException("vhdx parent locator", locatorOffset, "parent '" + name + "' is "
                    + found + ", not the parent_linkage " + locator.entries().get("parent_linkage")
                    + " (the parent changed after this disk was made)");
        }
        return parent;
    }

    /** The image file as a replay target: writes synced one by one, as qemu's replay writes them. */
    private record FileTarget(Storage file) implements ReplayTarget {
        @Override
        public long size() throws IOException {
            return file.size();
        }

        @Override
        public void write(long offset, byte[] sector) throws IOException {
            file.write(offset, ByteBuffer.wrap(sector));
        }

        /** Zeros as a hole inside the file and as the file's growth past its end: what reads back is the same. */
        @Override
        public void zero(long offset, long length) throws IOException {
            long size = file.size();
            if (offset < size) {
                file.punchHole(offset, Math.min(length, size - offset));
            }
            if (offset + length > size) {
                file.setSize(offset + length);
            }
        }

        @Override
        public void setSize(long newSize) throws IOException {
            file.setSize(newSize);
        }

        @Override
        public void flush() throws IOException {
            file.flush();
        }
    }

    // ------------------------------------------------------------------------------------------ basics

    @Override
    public String formatName() {
        return VhdxFormat.NAME;
    }

    @Override
    public Storage storage() {
        return file;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public Image backing() {
        return parent;
    }

    /** The locator's relative_path of a differencing disk as stored (backslashes and all), or null. */
    String storedParentPath() {
        return locator == null ? null : locator.entries().get("relative_path");
    }

    /** The locator's relative path of a differencing disk, or null. */
    String parentPath() {
        return locator == null ? null : locator.relativePath();
    }

    @Override
    public boolean isReadOnly() {
        return readOnly;
    }

    @Override
    public String describe() {
        return locator == null ? file.name() : file.name() + " [parent=" + locator.relativePath() + "]";
    }

    @Override
    public <T> Optional<T> capability(Class<T> type) {
        return !readOnly && type == FlushBarriers.class ? Optional.of(type.cast(this)) : Optional.empty();
    }

    long blockSize() {
        return metadata.blockSize();
    }

    int logicalSectorSize() {
        return metadata.logicalSectorSize();
    }

    int physicalSectorSize() {
        return metadata.physicalSectorSize();
    }

    /** Whether the file parameters say "leave blocks allocated" (a fixed disk). */
    boolean fixed() {
        return metadata.leaveBlocksAllocated();
    }

    /** The current header's data write GUID (what a child's parent_linkage names). */
    VhdxGuid dataWriteGuid() {
        return headers.current().dataWriteGuid();
    }

    FileRegions regions() {
        return regions;
    }

    LogState logState() {
        return logState;
    }

    Bat bat() {
        return bat;
    }

    Storage data() {
        return data;
    }

    // ------------------------------------------------------------------------------------------- reads

    /** What lies at a virtual offset, block by block from the BAT. */
    private final class Mapper implements ImageMapper {
        @Override
        public MappedRun map(long pos, long maxLen) throws IOException {
            long block = pos / metadata.blockSize();
            long inBlock = pos % metadata.blockSize();
            long n = Math.min(maxLen, Math.min(metadata.blockSize() - inBlock, size - pos));
            long index = bat.payloadIndex(block);
            long entry = bat.entry(index);
            int state = BlockState.of(entry);
            if (state == BlockState.FULLY_PRESENT) {
                long offset = BlockState.offset(entry);
                if (offset < MIB) {
                    throw new CorruptImageException("vhdx BAT entry " + index, bat.regionOffset() + index * 8,
                            "block " + block + " lies at " + offset + ", inside the header section");
                }
                return new MappedRun(MappedRun.Kind.DATA, n, data, offset + inBlock, 0);
            }
            if (state == BlockState.ZERO || state == BlockState.UNDEFINED) {
                return new MappedRun(MappedRun.Kind.ZERO, n, null, -1, 0);
            }
            if (BlockState.readsAsZero(state)) {
                return new MappedRun(MappedRun.Kind.UNALLOCATED, n, null, -1, 0);
            }
            if (state == BlockState.PARTIALLY_PRESENT && metadata.hasParent()) {
                return partial(block, inBlock, n, BlockState.offset(entry), index);
            }
            throw new CorruptImageException("vhdx BAT entry " + index, bat.regionOffset() + index * 8, "block "
                    + block + " is " + BlockState.name(state) + " (a disk without a parent has no such blocks)");
        }
    }

    /** A run inside a partially present block: sectors whose bitmap bits are alike, from this file or the parent. */
    private MappedRun partial(long block, long inBlock, long n, long offset, long index) throws IOException {
        if (offset < MIB) {
            throw new CorruptImageException("vhdx BAT entry " + index, bat.regionOffset() + index * 8, "block "
                    + block + " lies at " + offset + ", inside the header section");
        }
        byte[] bits = bitmaps.bits(block);
        int sector = metadata.logicalSectorSize();
        long first = inBlock / sector;
        boolean present = SectorBitmaps.present(bits, first);
        long end = first + 1;
        long lastSector = (inBlock + n - 1) / sector;
        while (end <= lastSector && SectorBitmaps.present(bits, end) == present) {
            end++;
        }
        long len = Math.min(n, end * sector - inBlock);
        return present ? new MappedRun(MappedRun.Kind.DATA, len, data, offset + inBlock, 0)
                : new MappedRun(MappedRun.Kind.UNALLOCATED, len, null, -1, 0);
    }

    @Override
    public void read(long pos, ByteBuffer dst) throws IOException {
        if (pos < 0 || pos > size - dst.remaining()) {
            Bounds.check(pos, dst.remaining(), size, describe());
        }
        ensureOpen();
        if (readOnly) {
            reads.read(pos, dst);
        } else {
            synchronized (lock) {
                reads.read(pos, dst);
            }
        }
    }

    @Override
    public Extent mapping(long pos, long maxLen) throws IOException {
        if (pos < 0 || maxLen <= 0 || pos >= size) {
            Bounds.checkMapping(pos, maxLen, size, describe());
        }
        ensureOpen();
        if (readOnly) {
            return reads.mapping(pos, maxLen);
        }
        synchronized (lock) {
            return reads.mapping(pos, maxLen);
        }
    }

    // ------------------------------------------------------------------------------------------ writes

    @Override
    public void write(long pos, ByteBuffer src) throws IOException {
        writeCheck(pos, src.remaining());
        synchronized (lock) {
            ensureOpen();
            visibleWrite();
            ByteBuffer rest = src.duplicate();
            long at = pos;
            while (rest.hasRemaining()) {
                long inBlock = at % metadata.blockSize();
                int n = (int) Math.min(rest.remaining(), metadata.blockSize() - inBlock);
                long host = blockForWrite(at / metadata.blockSize());
                file.write(host + inBlock, rest.slice(rest.position(), n));
                rest.position(rest.position() + n);
                at += n;
            }
            src.position(src.limit());
        }
    }

    /**
     * The file offset of a block to write into: a fully present block's own; any block that reads as zeros gets a
     * new one at the next MiB past the end of the file (reading as zeros until written, as qemu's does), entered
     * in the BAT in memory until the next flush.
     */
    private long blockForWrite(long block) throws IOException {
        long index = bat.payloadIndex(block);
        long entry = bat.entry(index);
        int state = BlockState.of(entry);
        if (state == BlockState.FULLY_PRESENT) {
            long offset = BlockState.offset(entry);
            if (offset < MIB) {
                throw new CorruptImageException("vhdx BAT entry " + index, bat.regionOffset() + index * 8, "block "
                        + block + " lies at " + offset + ", inside the header section");
            }
            return offset;
        }
        if (!BlockState.readsAsZero(state)) {
            throw new CorruptImageException("vhdx BAT entry " + index, bat.regionOffset() + index * 8, "block "
                    + block + " is " + BlockState.name(state));
        }
        long offset = (file.size() + MIB - 1) / MIB * MIB;
        file.setSize(offset + metadata.blockSize());
        bat.set(index, offset | BlockState.FULLY_PRESENT);
        return offset;
    }

    /** Zeros only where a block is allocated: every other state reads as zeros already. */
    @Override
    public void writeZeroes(long pos, long len) throws IOException {
        writeCheck(pos, len);
        synchronized (lock) {
            ensureOpen();
            visibleWrite();
            ByteBuffer zeros = ByteBuffer.allocate((int) Math.min(len, MIB));
            for (long at = pos, end = pos + len; at < end; ) {
                long inBlock = at % metadata.blockSize();
                long n = Math.min(end - at, metadata.blockSize() - inBlock);
                long index = bat.payloadIndex(at / metadata.blockSize());
                int state = BlockState.of(bat.entry(index));
                if (state == BlockState.FULLY_PRESENT) {
                    long host = blockForWrite(at / metadata.blockSize()) + inBlock;
                    for (long done = 0; done < n; ) {
                        int k = (int) Math.min(zeros.capacity(), n - done);
                        file.write(host + done, zeros.clear().limit(k));
                        done += k;
                    }
                } else if (!BlockState.readsAsZero(state)) {
                    blockForWrite(at / metadata.blockSize()); // refuses it by name
                }
                at += n;
            }
        }
    }

    /** qemu's vhdx driver has no discard; the range reads as zeros afterwards, as a disk without parent must. */
    @Override
    public void discard(long pos, long len) throws IOException {
        writeZeroes(pos, len);
    }

    /** qemu's vhdx_user_visible_write: before the first change, both headers get a new data write GUID. */
    private void visibleWrite() throws IOException {
        if (!wroteVisibleData) {
            wroteVisibleData = true;
            headers.update(file, session, true, null, barriers);
        }
    }

    @Override
    public void flush() throws IOException {
        if (readOnly) {
            return;
        }
        synchronized (lock) {
            ensureOpen();
            commitBat();
            if (barriers) {
                file.flush();
            }
        }
    }

    /**
     * The changed BAT sectors through the log, as few entries as the log holds: the data they point at is flushed
     * first, then per entry: headers with a new log GUID, the entry at the start of the log, flush, the sectors
     * in place, flush, headers with no log GUID.
     */
    private void commitBat() throws IOException {
        if (!bat.dirty()) {
            return;
        }
        if (barriers) {
            file.flush();
        }
        int[] sectors = bat.takeDirtySectors();
        VhdxHeader h = headers.current();
        int capacity = LogWriter.capacity(h.logLength());
        if (capacity < 1) {
            throw new IOException(file.name() + ": the vhdx log (" + h.logLength() + " bytes) cannot hold an entry");
        }
        for (int from = 0; from < sectors.length; from += capacity) {
            List<LogWriter.SectorWrite> writes = new ArrayList<>();
            for (int i = from; i < Math.min(sectors.length, from + capacity); i++) {
                writes.add(new LogWriter.SectorWrite(bat.regionOffset() + (long) sectors[i] * Bat.SECTOR,
                        bat.sectorBytes(sectors[i])));
            }
            VhdxGuid logGuid = VhdxGuid.random();
            headers.update(file, session, false, logGuid, barriers);
            byte[] entry = LogWriter.entry(nextLogSequence++, logGuid, 0, writes, file.size());
            file.write(h.logOffset(), ByteBuffer.wrap(entry));
            if (barriers) {
                file.flush();
            }
            for (LogWriter.SectorWrite w : writes) {
                file.write(w.fileOffset(), ByteBuffer.wrap(w.bytes()));
            }
            if (barriers) {
                file.flush();
            }
            headers.update(file, session, false, VhdxGuid.ZERO, barriers);
        }
    }

    @Override
    public void setFlushBarriers(boolean on) {
        synchronized (lock) {
            barriers = on;
        }
    }

    private void writeCheck(long pos, long len) throws IOException {
        if (readOnly) {
            throw new ReadOnlyDeviceException(describe());
        }
        if (pos < 0 || len < 0 || pos > size - len) {
            Bounds.check(pos, len, size, describe());
        }
    }

    private void ensureOpen() throws IOException {
        if (closed) {
            throw new IOException(file.name() + " is closed");
        }
    }

    @Override
    public void close() throws IOException {
        synchronized (lock) {
            if (closed) {
                return;
            }
            IOException failure = null;
            if (!readOnly) {
                try {
                    barriers = true;
                    commitBat();
                    file.flush();
                } catch (IOException e) {
                    failure = e;
                }
            }
            closed = true;
            List<java.io.Closeable> all = new ArrayList<>();
            if (ownsFile) {
                all.add(file);
            }
            if (parent != null) {
                all.add(parent);
            }
            for (java.io.Closeable c : all) {
                try {
                    c.close();
                } catch (IOException e) {
                    if (failure == null) {
                        failure = e;
                    } else {
                        failure.addSuppressed(e);
                    }
                }
            }
            if (failure != null) {
                throw failure;
            }
        }
    }

    // ------------------------------------------------------------------------------------------ info, check

    /** What qemu-img 7.2 reports: the block size as cluster size, never dirty, nothing vhdx-specific. */
    @Override
    public ImageInfo info() throws IOException {
        long allocated = file.allocatedBytes();
        String p = parentPath();
        return new ImageInfo(file.name(), VhdxFormat.NAME, size, metadata.blockSize(), allocated < 0 ? null
                : allocated, false, p, p == null ? null : ReferenceResolver.fullBackingFilename(file.name(), p),
                p == null ? null : VhdxFormat.NAME, List.of(), null, null, false);
    }

    @Override
    public ImageCheck check(ImageCheck.Repair repair) throws IOException {
        ensureOpen();
        synchronized (lock) {
            return VhdxChecker.check(this, regions, repair);
        }
    }
}
