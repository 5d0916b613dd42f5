package dev.platter.format.qcow2;

import dev.platter.core.CorruptImageException;
import dev.platter.core.ReadOnlyDeviceException;
import dev.platter.core.UnsupportedFeatureException;
import dev.platter.core.storage.Storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The open image's metadata in memory: header, active L1 table, L2 table cache, refcounts, snapshot table and the
 * metadata map for overlap checks, plus the one place that writes metadata back in a crash-safe order:
 *
 * <ol>
 *   <li>refcount blocks (new allocations counted), barrier;</li>
 *   <li>refcount table entries (new blocks), barrier;</li>
 *   <li>L2 tables, barrier;</li>
 *   <li>L1 entries, barrier;</li>
 *   <li>then the waiting frees are applied and their refcount blocks written.</li>
 * </ol>
 *
 * A crash at any point leaves at worst leaked clusters, never a reference to a cluster counted as free, and a
 * freed cluster is reused only after nothing on disk points at it any more. A barrier is a flush of the file,
 * skipped when {@link #barriers} is off (qemu's cache=unsafe).
 */
final class Qcow2Metadata {
    /** qemu's limit on the active L1 table. */
    static final long MAX_L1_BYTES = 32L << 20;

    final Storage file;
    final Qcow2Header header;
    /** Replaced (with a new refcount order) only when amend rebuilds the refcount structure. */
    volatile Geometry geo;
    final boolean readOnly;
    final String name;
    L1Table l1;
    final TableCache<L2Table> l2Cache;
    RefcountManager refcounts;
    List<SnapshotEntry> snapshots = new ArrayList<>();
    final MetadataRanges ranges = new MetadataRanges();
    /** Flush barriers between ordered metadata writes; off = qemu's cache=unsafe. */
    volatile boolean barriers = true;
    /** Set once the first write has prepared the image (flags cleared, bitmaps marked in use). */
    boolean writeStarted;
    /** Bumped whenever compressed data may change under an unchanged L2 entry value (frees and rewrites). */
    volatile long compressedGeneration;
    final long cacheBytes;

    private Qcow2Metadata(Storage file, Qcow2Header header, boolean readOnly, long cacheBytes) {
        this.file = file;
        this.header = header;
        this.geo = header.geometry();
        this.readOnly = readOnly;
        this.name = file.name();
        this.cacheBytes = cacheBytes;
        long l2Budget = Math.max(cacheBytes - cacheBytes / 4, 4L * geo.clusterSize());
        this.l2Cache = new TableCache<>(l2Budget);
    }

    /** Reads and validates the header and the tables every access needs (L1, refcount table, snapshots). */
    static Qcow2Metadata open(Storage file, boolean readOnly, long cacheBytes, boolean forCheck) throws IOException {
        long fileSize = file.size();
        ByteBuffer first = ByteBuffer.allocate((int) Math.min(fileSize, 512));
        file.readAt(0, first);
        first.flip();
        if (first.remaining() >= 4 && first.getInt(0) != Qcow2Header.MAGIC) {
            // A file pinned as qcow2 that is none: qemu-img says so as an open error, not as corruption.
            throw new dev.platter.core.image.WrongFormatException(file.name(), "qcow2", "qcow2 header");
        }
        int clusterBits = Qcow2Header.peekClusterBits(first);
        ByteBuffer cluster = ByteBuffer.allocate((int) Math.min(fileSize, 1L << clusterBits));
        file.readAt(0, cluster);
        cluster.flip();
        Qcow2Header h = Qcow2Header.parse(cluster);
        validate(h, readOnly || forCheck);
        Qcow2Metadata m = new Qcow2Metadata(file, h, readOnly, cacheBytes);
        m.load(fileSize);
        return m;
    }

    private static void validate(Qcow2Header h, boolean readOnly) throws IOException {
        List<IOException> problems = headerProblems(h, readOnly);
        if (!problems.isEmpty()) {
            throw problems.get(0);
        }
    }

    /**
     * Everything wrong with the header's fields, in the order open checks them: {@link UnsupportedFeatureException}
     * for what Platter cannot read, {@link CorruptImageException} for fields that contradict each other or qemu's
     * limits. Open fails on the first; the safety inspection reports them all.
     */
    static List<IOException> headerProblems(Qcow2Header h, boolean readOnly) {
        List<IOException> problems = new ArrayList<>();
        long unknown = h.incompatible & ~Qcow2Header.INCOMPAT_KNOWN;
        if (unknown != 0) {
            FeatureNameTable names = h.featureTable != null ? h.featureTable : FeatureNameTable.QEMU;
            problems.add(new UnsupportedFeatureException(String.join(", ",
                    names.describe(FeatureNameTable.INCOMPATIBLE, unknown)),
                    "Unsupported qcow2 feature(s): " + String.join(", ",
                            names.describe(FeatureNameTable.INCOMPATIBLE, unknown))));
        }
        if (h.cryptMethod != Qcow2Header.CRYPT_NONE && h.cryptMethod != Qcow2Header.CRYPT_AES
                && h.cryptMethod != Qcow2Header.CRYPT_LUKS) {
            problems.add(new UnsupportedFeatureException("encryption",
                    "Unsupported encryption method: " + Integer.toUnsignedString(h.cryptMethod)));
        }
        if (h.isCorrupt() && !readOnly) {
            problems.add(new IOException("qcow2: Image is corrupt; cannot be opened read/write"));
        }
        if (h.compressionType > 1) {
            problems.add(new UnsupportedFeatureException("compression type " + h.compressionType,
                    "Unknown compression type " + h.compressionType));
        }
        boolean compressionBit = (h.incompatible & Qcow2Header.INCOMPAT_COMPRESSION) != 0;
        if (compressionBit != (h.compressionType != 0)) {
            problems.add(new CorruptImageException("qcow2 header", 104, compressionBit
                    ? "the compression type bit is set but the compression type is zlib"
                    : "the compression type is not zlib but its incompatible bit is not set"));
        }
        Geometry geo = h.geometry();
        if (geo.extendedL2() && h.clusterBits < 14) {
            problems.add(new CorruptImageException("qcow2 header", 20,
                    "extended L2 entries need clusters of at least 16384 bytes"));
        }
        int cs = h.clusterSize();
        if (h.refcountTableClusters <= 0) {
            problems.add(new CorruptImageException("qcow2 header", 56,
                    "Image does not contain a reference count table"));
        } else if ((long) h.refcountTableClusters * cs > RefcountManager.MAX_TABLE_BYTES) {
            problems.add(new CorruptImageException("qcow2 header", 56, "Reference count table too large ("
                    + h.refcountTableClusters + " clusters)"));
        } else {
            addIfBad(problems, h.refcountTableOffset, (long) h.refcountTableClusters * cs, cs, 48,
                    "Invalid reference count table offset");
        }
        boolean l1SizeSane = h.l1Size >= 0 && (long) h.l1Size * 8 <= MAX_L1_BYTES;
        if (!l1SizeSane) {
            problems.add(new CorruptImageException("qcow2 header", 36, "Active L1 table too large ("
                    + Integer.toUnsignedString(h.l1Size) + " entries)"));
        }
        if (h.size < 0) {
            problems.add(new CorruptImageException("qcow2 header", 24, "Image is too big (size "
                    + Long.toUnsignedString(h.size) + ")"));
        } else if (l1SizeSane && geo.l1EntriesFor(h.size) > h.l1Size) {
            problems.add(new CorruptImageException("qcow2 header", 36, "L1 table is too small for the virtual "
                    + "size (" + h.l1Size + " entries for " + h.size + " bytes)"));
        }
        if (l1SizeSane && h.l1Size > 0) {
            addIfBad(problems, h.l1TableOffset, (long) h.l1Size * 8, cs, 40, "Invalid L1 table offset");
        }
        if (h.nbSnapshots < 0 || h.nbSnapshots > SnapshotEntry.MAX_SNAPSHOTS) {
            problems.add(new CorruptImageException("qcow2 header", 60, "Too many snapshots ("
                    + Integer.toUnsignedString(h.nbSnapshots) + ")"));
        } else if (h.nbSnapshots > 0) {
            addIfBad(problems, h.snapshotsOffset, 40, cs, 64, "Invalid snapshot table offset");
        }
        if (h.hasDataFile() && h.dataFile == null) {
            problems.add(new UnsupportedFeatureException("external data file without a name",
                    "'data-file' is required for this image (it does not name its external data file)"));
        }
        if (h.bitmaps != null) {
            BitmapsExtension b = h.bitmaps;
            if (b.nbBitmaps() <= 0 || b.nbBitmaps() > BitmapsExtension.MAX_BITMAPS) {
                problems.add(new CorruptImageException("qcow2 bitmaps extension", -1, "invalid number of bitmaps "
                        + Integer.toUnsignedString(b.nbBitmaps())));
            }
            if (b.directorySize() <= 0 || b.directorySize() > BitmapDirectoryEntry.MAX_DIRECTORY_BYTES) {
                problems.add(new CorruptImageException("qcow2 bitmaps extension", -1,
                        "invalid bitmap directory size " + b.directorySize()));
            } else {
                addIfBad(problems, b.directoryOffset(), b.directorySize(), cs, -1,
                        "Invalid bitmap directory offset");
            }
        }
        return problems;
    }

    private static void addIfBad(List<IOException> problems, long offset, long length, int cs, long field,
                                 String problem) {
        try {
            checkTableOffset(offset, length, cs, field, problem);
        } catch (CorruptImageException e) {
            problems.add(e);
        }
    }

    private static void checkTableOffset(long offset, long length, int cs, long field, String problem)
            throws CorruptImageException {
        if (offset <= 0 || (offset & (cs - 1)) != 0 || offset > L2Entry.OFFSET_MASK
                || offset + length < offset || offset + length > (1L << 62)) {
            throw new CorruptImageException("qcow2 header", field, problem + " 0x" + Long.toHexString(offset));
        }
    }

    private void load(long fileSize) throws IOException {
        int cs = geo.clusterSize();
        long rtBytes = (long) header.refcountTableClusters * cs;
        long[] rt = readLongs(header.refcountTableOffset, (int) (rtBytes / 8), "qcow2 refcount table", fileSize);
        refcounts = new RefcountManager(this, geo, header.refcountTableOffset, rt, cacheBytes / 4);
        long[] l1e = header.l1Size == 0 ? new long[0]
                : readLongs(header.l1TableOffset, header.l1Size, "qcow2 L1 table", fileSize);
        l1 = new L1Table(header.l1TableOffset, l1e);
        if (header.nbSnapshots > 0) {
            snapshots = readSnapshots(fileSize);
        }
        addTableRanges();
        if (header.bitmaps != null) {
            ranges.add(header.bitmaps.directoryOffset(), header.bitmaps.directorySize(), MetadataRanges.Kind.BITMAP);
        }
        long[] crypto = header.cryptoArea();
        if (crypto != null && crypto[0] > 0 && crypto[1] > 0 && crypto[0] < fileSize) {
            ranges.add(crypto[0], Math.min(crypto[1], fileSize - crypto[0]), MetadataRanges.Kind.CRYPTO);
        }
    }

    /** Records where the header, L1/L2, refcount and snapshot tables lie, for the overlap check. */
    private void addTableRanges() {
        int cs = geo.clusterSize();
        ranges.add(0, cs, MetadataRanges.Kind.HEADER);
        ranges.add(refcounts.tableOffset(), (long) refcounts.tableClusters() * cs, MetadataRanges.Kind.REFCOUNT_TABLE);
        for (long e : refcounts.table()) {
            long off = e & ~0x1ffL;
            if (off != 0) {
                ranges.add(off, cs, MetadataRanges.Kind.REFCOUNT_BLOCK);
            }
        }
        if (l1.size() > 0) {
            ranges.add(l1.offset(), (long) l1.size() * 8, MetadataRanges.Kind.ACTIVE_L1);
        }
        for (long e : l1.entries()) {
            long off = L2Entry.l1Offset(e);
            if (off != 0 && geo.offsetInCluster(off) == 0) {
                ranges.add(off, cs, MetadataRanges.Kind.ACTIVE_L2);
            }
        }
        if (!snapshots.isEmpty()) {
            ranges.add(header.snapshotsOffset, snapshotTableBytes(snapshots), MetadataRanges.Kind.SNAPSHOT_TABLE);
            for (SnapshotEntry s : snapshots) {
                if (s.l1Size() > 0) {
                    ranges.add(s.l1TableOffset(), (long) s.l1Size() * 8, MetadataRanges.Kind.SNAPSHOT_L1);
                }
            }
        }
    }

    /**
     * After {@link ShadowSwitch} moved the header to new tables: the in-memory state follows. Every cached table
     * may describe a cluster that is now free, so the caches start empty.
     */
    void switched(long size, L1Table newL1, long refcountTableOffset, int refcountTableClusters, long[] refcountTable,
                  List<SnapshotEntry> newSnapshots, long snapshotsOffset) {
        header.size = size;
        header.l1Size = newL1.size();
        header.l1TableOffset = newL1.offset();
        header.refcountTableOffset = refcountTableOffset;
        header.refcountTableClusters = refcountTableClusters;
        header.nbSnapshots = newSnapshots.size();
        header.snapshotsOffset = snapshotsOffset;
        l1 = newL1;
        refcounts = new RefcountManager(this, geo, refcountTableOffset, refcountTable, cacheBytes / 4);
        snapshots = new ArrayList<>(newSnapshots);
        l2Cache.clear();
        ranges.removeAll(java.util.EnumSet.complementOf(java.util.EnumSet.of(MetadataRanges.Kind.BITMAP,
                MetadataRanges.Kind.CRYPTO)));
        addTableRanges();
        compressedGeneration++;
    }

    static long snapshotTableBytes(List<SnapshotEntry> list) {
        long n = 0;
        for (SnapshotEntry s : list) {
            n += s.encodedSize();
        }
        return n;
    }

    private List<SnapshotEntry> readSnapshots(long fileSize) throws IOException {
        long off = header.snapshotsOffset;
        long max = Math.min(SnapshotEntry.MAX_TABLE_BYTES, fileSize - off);
        if (max <= 0) {
            throw new CorruptImageException("qcow2 snapshot table", off, "lies past the end of the file");
        }
        // Read progressively: a hostile count must not make us read megabytes of nothing.
        int have = (int) Math.min(max, 64 * 1024);
        while (true) {
            ByteBuffer b = ByteBuffer.allocate(have);
            file.readAt(off, b);
            b.flip();
            try {
                List<SnapshotEntry> list = SnapshotEntry.parseTable(b, header.nbSnapshots, off, header.size);
                for (int i = 0; i < list.size(); i++) {
                    SnapshotEntry s = list.get(i);
                    if (s.l1Size() < 0 || (long) s.l1Size() * 8 > MAX_L1_BYTES) {
                        throw new CorruptImageException("qcow2 snapshot table entry " + i, off,
                                "Snapshot L1 table too large (" + Integer.toUnsignedString(s.l1Size()) + " entries)");
                    }
                    if (s.l1Size() > 0) {
                        checkTableOffset(s.l1TableOffset(), (long) s.l1Size() * 8, geo.clusterSize(), off,
                                "Snapshot L1 table offset invalid");
                    }
                }
                return list;
            } catch (CorruptImageException e) {
                if (have >= max || !e.getMessage().contains("runs past the table")) {
                    throw e;
                }
                have = (int) Math.min(max, (long) have * 4);
            }
        }
    }

    /** Reads {@code count} big-endian longs at {@code offset}, which must lie inside the file. */
    long[] readLongs(long offset, int count, String structure, long fileSize) throws IOException {
        long bytes = (long) count * 8;
        if (offset < 0 || count < 0 || offset > fileSize - bytes) {
            throw new CorruptImageException(structure, offset, "the table (" + bytes
                    + " bytes) runs past the end of the file (" + fileSize + " bytes)");
        }
        ByteBuffer b = ByteBuffer.allocate((int) bytes);
        file.readFully(offset, b);
        b.flip();
        long[] out = new long[count];
        b.asLongBuffer().get(out);
        return out;
    }

    /** The L2 table at {@code offset}, from the cache or the file. */
    L2Table loadL2(long offset, long l1Index) throws IOException {
        L2Table t = l2Cache.get(offset);
        if (t != null) {
            return t;
        }
        if (geo.offsetInCluster(offset) != 0) {
            throw corruption("qcow2 L1 table", l1.offset() + l1Index * 8, "L2 table offset 0x"
                    + Long.toHexString(offset) + " unaligned (L1 index: 0x" + Long.toHexString(l1Index) + ")");
        }
        if (offset >= file.size() || offset < geo.clusterSize()) {
            throw corruption("qcow2 L1 table", l1.offset() + l1Index * 8, "L2 table offset 0x"
                    + Long.toHexString(offset) + " lies outside the image (L1 index: 0x"
                    + Long.toHexString(l1Index) + ")");
        }
        ByteBuffer b = ByteBuffer.allocate(geo.clusterSize());
        file.readAt(offset, b);
        b.clear();
        return l2Cache.put(L2Table.parse(offset, b, geo.extendedL2()));
    }

    void checkWritable() throws IOException {
        if (readOnly) {
            throw new ReadOnlyDeviceException(name);
        }
        if (header.isCorrupt()) {
            throw new IOException(name + ": qcow2: Image is corrupt; cannot be written");
        }
    }

    /**
     * Corruption found in the metadata: on a writable image the corrupt bit is set (as qemu does) so that nobody
     * writes to it until it is repaired; returns the exception to throw.
     */
    CorruptImageException corruption(String structure, long offset, String problem) {
        if (!readOnly && !header.isCorrupt()) {
            header.incompatible |= Qcow2Header.INCOMPAT_CORRUPT;
            try {
                writeHeaderFields(Qcow2Header.INCOMPATIBLE_OFFSET,
                        ByteBuffer.allocate(8).putLong(header.incompatible).array());
                file.flush();
            } catch (IOException e) {
                // The error being reported matters more than the flag.
            }
            problem = problem + "; the image is marked corrupt and further writes are refused";
        }
        return new CorruptImageException(structure, offset, problem);
    }

    /**
     * Where the free space past everything in use begins, for structures built in one piece (a grown refcount table, a
     * {@link ShadowSwitch}): the end of the file; on a block device, whose size is fixed and whose tail holds old
     * bytes, the end of the last cluster with a reference.
     */
    long allocationEnd() throws IOException {
        if (!file.isBlockDevice()) {
            return file.size();
        }
        return (refcounts.lastUsedCluster() + 1) << geo.clusterBits();
    }

    /** Refuses to write [offset, offset + length) of guest data when it overlaps metadata. */
    void checkDataWrite(long offset, long length) throws IOException {
        MetadataRanges.Range r = ranges.overlap(offset, length);
        if (r != null) {
            throw corruption("qcow2 " + r.kind().name().toLowerCase(java.util.Locale.ROOT).replace('_', ' '),
                    r.start(), "a data write to 0x" + Long.toHexString(offset) + " would overwrite this metadata");
        }
    }

    /** A cluster's refcount dropped to 0: whatever was cached from it is stale once it is reused. */
    void clusterFreed(long offset) {
        l2Cache.remove(offset);
        compressedGeneration++;
    }

    void metadataAllocated(long offset) {
        ranges.add(offset, geo.clusterSize(), MetadataRanges.Kind.REFCOUNT_BLOCK);
    }

    void metadataAllocated(long offset, long length) {
        ranges.add(offset, length, MetadataRanges.Kind.REFCOUNT_TABLE);
    }

    void metadataFreed(long offset, long length) {
        ranges.remove(offset);
    }

    void barrier() throws IOException {
        if (barriers) {
            file.flush();
        }
    }

    void writeHeader() throws IOException {
        file.write(0, ByteBuffer.wrap(header.toClusterBytes()));
    }

    void writeHeaderFields(int at, byte[] bytes) throws IOException {
        file.write(at, ByteBuffer.wrap(bytes));
    }

    boolean hasDirtyMetadata() {
        return l1.isDirty() || refcounts.hasPendingFrees() || refcounts.hasDirtyBlocks()
                || !l2Cache.dirty().isEmpty();
    }

    /** Writes every dirty table in the crash-safe order (see the class comment). */
    void flushMetadata() throws IOException {
        if (readOnly || !hasDirtyMetadata()) {
            return;
        }
        markDirtyForLazyRefcounts();
        if (refcounts.writeDirtyBlocks() > 0) {
            barrier();
        }
        if (refcounts.writeDirtyTable()) {
            barrier();
        }
        List<L2Table> l2 = l2Cache.dirty();
        for (L2Table t : l2) {
            file.write(t.offset, ByteBuffer.wrap(t.toBytes()));
            t.markClean();
        }
        if (!l2.isEmpty()) {
            barrier();
        }
        if (l1.isDirty()) {
            long[] r = l1.dirtyByteRange();
            file.write(l1.offset() + r[0], ByteBuffer.wrap(
                    L1Table.toBytes(l1.entries(), (int) (r[0] / 8), (int) (r[1] / 8))));
            l1.markClean();
            barrier();
        }
        if (refcounts.hasPendingFrees()) {
            refcounts.applyPendingFrees();
            refcounts.writeDirtyBlocks();
        }
    }

    /** With lazy refcounts the dirty bit goes on disk before the first metadata write that relies on it. */
    private void markDirtyForLazyRefcounts() throws IOException {
        if (header.lazyRefcounts() && !header.isDirty() && header.version >= 3) {
            header.incompatible |= Qcow2Header.INCOMPAT_DIRTY;
            writeHeaderFields(Qcow2Header.INCOMPATIBLE_OFFSET,
                    ByteBuffer.allocate(8).putLong(header.incompatible).array());
            barrier();
        }
    }

    /** After a clean shutdown: the refcounts are complete on disk, so the dirty bit goes. */
    void markClean() throws IOException {
        if (!readOnly && header.isDirty()) {
            barrier();
            header.incompatible &= ~Qcow2Header.INCOMPAT_DIRTY;
            writeHeaderFields(Qcow2Header.INCOMPATIBLE_OFFSET,
                    ByteBuffer.allocate(8).putLong(header.incompatible).array());
        }
    }

    /** True when enough is waiting that the metadata should be written back now. */
    boolean writeBackDue() {
        return l2Cache.overBudget() || refcounts.cacheOverBudget() || refcounts.pendingFreeCount() > 4096;
    }
}
