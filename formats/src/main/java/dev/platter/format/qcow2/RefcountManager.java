package dev.platter.format.qcow2;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Host cluster bookkeeping: the refcount table (in memory), refcount blocks (cached), allocation of clusters and
 * of byte ranges for compressed clusters, growth of the structure (including blocks that must count themselves),
 * and frees that wait until the metadata that dropped the reference is on disk.
 *
 * <p>Used only under the image's write lock, except {@link #get} which the checker and readers may call too.
 */
final class RefcountManager {
    /** qemu's limit on the refcount table. */
    static final long MAX_TABLE_BYTES = 8L << 20;
    private static final long TABLE_OFFSET_MASK = ~0x1ffL;

    private final Qcow2Metadata m;
    private final Geometry geo;
    private final TableCache<RefcountBlock> cache;
    private long tableOffset;
    private long[] table;
    private int tableDirtyFrom = Integer.MAX_VALUE;
    private int tableDirtyTo = -1;
    private long freeHint;
    private long freeByteOffset;
    private final List<long[]> pendingFrees = new ArrayList<>();
    private int growthDepth;

    RefcountManager(Qcow2Metadata m, Geometry geo, long tableOffset, long[] table, long cacheBytes) {
        this.m = m;
        this.geo = geo;
        this.tableOffset = tableOffset;
        this.table = table;
        this.cache = new TableCache<>(Math.max(cacheBytes, 4L * geo.clusterSize()));
    }

    long tableOffset() {
        return tableOffset;
    }

    int tableClusters() {
        return (int) geo.clustersFor((long) table.length * 8);
    }

    long[] table() {
        return table;
    }

    /** Refcount block offset for table index {@code ti}, or 0. */
    long blockOffset(long ti) {
        return ti < table.length ? table[(int) ti] & TABLE_OFFSET_MASK : 0;
    }

    RefcountBlock loadBlock(long ti) throws IOException {
        long off = blockOffset(ti);
        if (off == 0) {
            return null;
        }
        RefcountBlock b = cache.get(off);
        if (b != null) {
            return b;
        }
        if (geo.offsetInCluster(off) != 0) {
            throw m.corruption("qcow2 refcount table", tableOffset + ti * 8,
                    "refcount block offset 0x" + Long.toHexString(off) + " is not cluster aligned");
        }
        if (off < 0 || off >= m.file.size()) {
            throw m.corruption("qcow2 refcount table", tableOffset + ti * 8,
                    "refcount block offset 0x" + Long.toHexString(off) + " lies past the end of the file");
        }
        byte[] data = new byte[geo.clusterSize()];
        m.file.readAt(off, ByteBuffer.wrap(data));
        return cache.put(new RefcountBlock(off, data, geo.refcountOrder()));
    }

    /** The refcount of host cluster {@code cluster} (0 where no block covers it). */
    long get(long cluster) throws IOException {
        long ti = cluster >>> geo.refcountBlockBits();
        if (ti >= table.length) {
            return 0;
        }
        RefcountBlock b = loadBlock(ti);
        return b == null ? 0 : b.get((int) (cluster & (geo.refcountsPerBlock() - 1)));
    }

    /**
     * The stored refcount as a checker sees it: a block past the end of the file reads as zeros (as qemu reads
     * past the end); an unaligned block offset is an error.
     */
    long getForCheck(long cluster) throws IOException {
        long ti = cluster >>> geo.refcountBlockBits();
        long off = blockOffset(ti);
        if (off > 0 && geo.offsetInCluster(off) == 0 && off >= m.file.size()) {
            return 0;
        }
        return get(cluster);
    }

    /** Sets a cluster's refcount (repairs), creating the refcount block when needed. */
    void setRefcount(long cluster, long value) throws IOException {
        long ti = cluster >>> geo.refcountBlockBits();
        RefcountBlock b = value > 0 ? ensureBlock(ti) : loadBlock(ti);
        if (b == null) {
            return;
        }
        long v = Math.min(value, geo.refcountMax());
        int i = (int) (cluster & (geo.refcountsPerBlock() - 1));
        long old = b.get(i);
        b.set(i, v);
        if (v == 0 && old != 0) {
            clusterFreed(cluster);
        }
        cache.markDirty(b);
    }

    /** The highest cluster with a non-zero refcount, or -1 (a scan from the end of the refcount table). */
    long lastUsedCluster() throws IOException {
        long perBlock = geo.refcountsPerBlock();
        for (long ti = table.length - 1; ti >= 0; ti--) {
            RefcountBlock b = loadBlock(ti);
            if (b == null) {
                continue;
            }
            for (int i = (int) perBlock - 1; i >= 0; i--) {
                if (b.get(i) != 0) {
                    return ti * perBlock + i;
                }
            }
        }
        return -1;
    }

    /** Allocates {@code n} contiguous free clusters (refcount 1 each); returns the host offset of the first. */
    long allocateClusters(long n) throws IOException {
        long first = findFree(n);
        change(first, n, 1);
        return first << geo.clusterBits();
    }

    /** Finds {@code n} contiguous free clusters from the hint and reserves them by moving the hint past them. */
    private long findFree(long n) throws IOException {
        long idx = freeHint;
        long runStart = idx;
        long run = 0;
        long perBlock = geo.refcountsPerBlock();
        while (run < n) {
            long ti = idx >>> geo.refcountBlockBits();
            if (ti >= table.length || blockOffset(ti) == 0) {
                // No block: every cluster it would cover is free.
                if (run == 0) {
                    runStart = idx;
                }
                long blockEnd = (ti + 1) * perBlock;
                long take = Math.min(n - run, blockEnd - idx);
                run += take;
                idx += take;
                continue;
            }
            if (get(idx) == 0) {
                if (run == 0) {
                    runStart = idx;
                }
                run++;
            } else {
                run = 0;
            }
            idx++;
        }
        long end = runStart + n;
        if ((end << geo.clusterBits()) >>> geo.clusterBits() != end || (end << geo.clusterBits()) > L2Entry.OFFSET_MASK) {
            throw new IOException(m.file.name() + ": the image file cannot grow beyond 64 PiB");
        }
        freeHint = end;
        return runStart;
    }

    /** Adds {@code delta} (+1 or -1) to the refcounts of clusters [first, first + n). */
    private void change(long first, long n, int delta) throws IOException {
        long perBlock = geo.refcountsPerBlock();
        long c = first;
        long end = first + n;
        while (c < end) {
            long ti = c >>> geo.refcountBlockBits();
            RefcountBlock b = delta > 0 ? ensureBlock(ti) : loadBlock(ti);
            if (b == null) {
                throw m.corruption("qcow2 refcount table", tableOffset + ti * 8,
                        "freeing cluster " + c + " that no refcount block covers");
            }
            long blockEnd = Math.min(end, (ti + 1) * perBlock);
            for (; c < blockEnd; c++) {
                int i = (int) (c & (perBlock - 1));
                long v = b.get(i);
                if (delta > 0 && v >= geo.refcountMax()) {
                    throw new IOException(m.file.name() + ": the refcount of cluster " + c
                            + " would exceed the maximum of " + geo.refcountMax());
                }
                if (delta < 0 && v == 0) {
                    throw m.corruption("qcow2 refcount block", b.offset,
                            "cluster " + c + " is freed but its refcount is already 0");
                }
                b.set(i, v + delta);
                if (delta < 0 && v == 1) {
                    clusterFreed(c);
                }
            }
            cache.markDirty(b);
        }
    }

    private void clusterFreed(long c) {
        m.clusterFreed(c << geo.clusterBits());
        if (c < freeHint) {
            freeHint = c;
        }
        if (freeByteOffset != 0 && (freeByteOffset >>> geo.clusterBits()) == c) {
            freeByteOffset = 0;
        }
    }

    /** The refcount block for table index {@code ti}, creating it (and growing the table) when missing. */
    private RefcountBlock ensureBlock(long ti) throws IOException {
        if (++growthDepth > 16) {
            growthDepth = 0;
            throw new IOException(m.file.name() + ": refcount structure growth does not converge");
        }
        try {
            while (true) {
                if (ti >= table.length) {
                    growTable(ti);
                    continue;
                }
                RefcountBlock b = loadBlock(ti);
                if (b != null) {
                    return b;
                }
                long c = findFree(1);
                long off = c << geo.clusterBits();
                RefcountBlock nb = new RefcountBlock(off, new byte[geo.clusterSize()], geo.refcountOrder());
                cache.putNew(nb);
                cache.markDirty(nb);
                table[(int) ti] = off;
                markTableDirty((int) ti);
                m.metadataAllocated(off);
                if ((c >>> geo.refcountBlockBits()) == ti) {
                    nb.set((int) (c & (geo.refcountsPerBlock() - 1)), 1); // counts itself
                } else {
                    change(c, 1, 1);
                }
                return nb;
            }
        } finally {
            growthDepth--;
        }
    }

    private void markTableDirty(int ti) {
        tableDirtyFrom = Math.min(tableDirtyFrom, ti);
        tableDirtyTo = Math.max(tableDirtyTo, ti);
    }

    /**
     * Replaces the refcount table by a larger one that covers index {@code needed}. The new table and the blocks
     * that count it are placed in a fresh area after everything in use, where they count themselves; they are
     * written, then the header is switched to them, then the old table is freed.
     */
    private void growTable(long needed) throws IOException {
        m.checkWritable();
        int perCluster = geo.refcountTableEntriesPerCluster();
        long entries = Math.max(needed + 1, table.length + table.length / 2 + 1);
        long tableClusters = (entries + perCluster - 1) / perCluster;
        if (tableClusters * geo.clusterSize() > MAX_TABLE_BYTES) {
            throw new IOException(m.file.name() + ": the refcount table would grow beyond "
                    + (MAX_TABLE_BYTES >> 20) + " MiB");
        }
        int newLength = (int) (tableClusters * perCluster);
        long areaStart = Math.max(freeHint, geo.clustersFor(m.allocationEnd()));
        while (get(areaStart) != 0) {
            areaStart++;
        }
        // Blocks needed for table indexes in the area that have none yet; iterate to the fixed point.
        long blocks = 0;
        long prev;
        do {
            prev = blocks;
            long areaEnd = areaStart + blocks + tableClusters;
            long count = 0;
            for (long ti = areaStart >>> geo.refcountBlockBits(); ti <= (areaEnd - 1) >>> geo.refcountBlockBits();
                    ti++) {
                if (blockOffset(ti) == 0) {
                    count++;
                }
            }
            blocks = count;
        } while (blocks != prev);
        long areaEnd = areaStart + blocks + tableClusters;
        if (areaEnd >>> geo.refcountBlockBits() >= newLength) {
            throw new IOException(m.file.name() + ": refcount table growth does not cover its own area");
        }
        long[] newTable = java.util.Arrays.copyOf(table, newLength);
        List<RefcountBlock> created = new ArrayList<>();
        long next = areaStart;
        for (long ti = areaStart >>> geo.refcountBlockBits(); ti <= (areaEnd - 1) >>> geo.refcountBlockBits(); ti++) {
            if (newTable[(int) ti] == 0) {
                long off = next++ << geo.clusterBits();
                newTable[(int) ti] = off;
                created.add(new RefcountBlock(off, new byte[geo.clusterSize()], geo.refcountOrder()));
            }
        }
        long tableStart = areaStart + blocks;
        long perBlock = geo.refcountsPerBlock();
        for (long c = areaStart; c < areaEnd; c++) {
            long ti = c >>> geo.refcountBlockBits();
            long off = newTable[(int) ti];
            RefcountBlock target = null;
            for (RefcountBlock nb : created) {
                if (nb.offset == off) {
                    target = nb;
                    break;
                }
            }
            if (target == null) {
                RefcountBlock existing = loadBlock(ti);
                existing.set((int) (c & (perBlock - 1)), existing.get((int) (c & (perBlock - 1))) + 1);
                cache.markDirty(existing);
            } else {
                target.set((int) (c & (perBlock - 1)), 1);
            }
        }
        for (RefcountBlock nb : created) {
            m.file.write(nb.offset, ByteBuffer.wrap(nb.toBytes()));
        }
        m.file.write(tableStart << geo.clusterBits(), ByteBuffer.wrap(L1Table.toBytes(newTable, 0, newLength)));
        writeDirtyBlocks();
        m.barrier();
        long oldOffset = tableOffset;
        int oldClusters = tableClusters();
        tableOffset = tableStart << geo.clusterBits();
        table = newTable;
        tableDirtyFrom = Integer.MAX_VALUE;
        tableDirtyTo = -1;
        m.header.refcountTableOffset = tableOffset;
        m.header.refcountTableClusters = (int) tableClusters;
        m.writeHeaderFields(Qcow2Header.REFCOUNT_TABLE_OFFSET,
                ByteBuffer.allocate(12).putLong(tableOffset).putInt((int) tableClusters).array());
        m.barrier();
        for (RefcountBlock nb : created) {
            cache.put(nb);
            m.metadataAllocated(nb.offset);
        }
        m.metadataFreed(oldOffset, (long) oldClusters << geo.clusterBits());
        m.metadataAllocated(tableOffset, tableClusters << geo.clusterBits());
        freeLater(oldOffset, (long) oldClusters << geo.clusterBits());
        if (freeHint < areaEnd && freeHint >= areaStart) {
            freeHint = areaEnd;
        }
    }

    /**
     * Allocates {@code size} bytes for a compressed cluster, packing streams one after another as qemu does:
     * every host cluster the range touches gets one more reference.
     */
    long allocateBytes(int size) throws IOException {
        int cs = geo.clusterSize();
        long off = freeByteOffset;
        if (off != 0 && get(off >>> geo.clusterBits()) >= geo.refcountMax()) {
            off = 0;
        }
        long freeInCluster = off == 0 ? 0 : cs - geo.offsetInCluster(off);
        if (off == 0 || freeInCluster < size) {
            long c = findFree(1);
            long next = c << geo.clusterBits();
            if (off == 0 || geo.clusterStart(off) + cs != next) {
                off = next;
            }
        }
        long first = off >>> geo.clusterBits();
        long last = (off + size - 1) >>> geo.clusterBits();
        change(first, last - first + 1, 1);
        freeByteOffset = off + size;
        if (geo.offsetInCluster(freeByteOffset) == 0) {
            freeByteOffset = 0;
        }
        return off;
    }

    /** Adds one reference to every cluster of [offset, offset + length) (snapshots sharing clusters). */
    void addReference(long offset, long length) throws IOException {
        long first = offset >>> geo.clusterBits();
        long last = (offset + length - 1) >>> geo.clusterBits();
        change(first, last - first + 1, 1);
    }

    /** Frees the clusters of [offset, offset + length) once the metadata that stopped using them is on disk. */
    void freeLater(long offset, long length) {
        if (length > 0) {
            pendingFrees.add(new long[] {offset, length});
        }
    }

    boolean hasPendingFrees() {
        return !pendingFrees.isEmpty();
    }

    int pendingFreeCount() {
        return pendingFrees.size();
    }

    /** Applies the waiting frees (after the L2/L1 updates that dropped the references were written). */
    void applyPendingFrees() throws IOException {
        List<long[]> frees = new ArrayList<>(pendingFrees);
        pendingFrees.clear();
        for (long[] f : frees) {
            long first = f[0] >>> geo.clusterBits();
            long last = (f[0] + f[1] - 1) >>> geo.clusterBits();
            change(first, last - first + 1, -1);
        }
    }

    /** Writes the dirty refcount blocks; returns how many. */
    int writeDirtyBlocks() throws IOException {
        int n = 0;
        for (RefcountBlock b : cache.dirty()) {
            m.file.write(b.offset, ByteBuffer.wrap(b.toBytes()));
            b.markClean();
            n++;
        }
        return n;
    }

    /** Writes the changed part of the refcount table; returns whether anything was written. */
    boolean writeDirtyTable() throws IOException {
        if (tableDirtyTo < 0) {
            return false;
        }
        int from = tableDirtyFrom & ~63; // whole 512-byte sectors
        int to = Math.min(table.length, (tableDirtyTo + 64) & ~63);
        m.file.write(tableOffset + (long) from * 8, ByteBuffer.wrap(L1Table.toBytes(table, from, to)));
        tableDirtyFrom = Integer.MAX_VALUE;
        tableDirtyTo = -1;
        return true;
    }

    boolean hasDirtyBlocks() {
        return !cache.dirty().isEmpty();
    }

    boolean cacheOverBudget() {
        return cache.overBudget();
    }
}
