package dev.platter.format.qcow2;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Changes the active L1 table, the snapshot table, the refcounts and the virtual size together, in one atomic step:
 * the whole new state is built in free clusters past the end of the file (copies of the active L2 tables whose
 * COPIED flags change, the new active L1, a new snapshot L1 where one is taken, the snapshot table, every refcount
 * block whose counts change and a new refcount table), flushed, and then one 48-byte write inside the header's first
 * sector switches the size, L1, refcount table and snapshot table fields to it.
 *
 * <p>Why: a snapshot operation moves clusters between refcount 1 and more, and qemu-img check demands that the
 * active tables' COPIED flags agree with the stored refcounts at all times. No order of in-place writes keeps that
 * true (qemu's own snapshot code leaves OFLAG_COPIED errors when killed, some of which let a later write change a
 * snapshot's data). With the switch, a crash before the header write leaves the old image untouched (the new
 * clusters are unreferenced and counted as free), a crash after it leaves the new one complete, and the structures
 * the switch retired are already counted free in the new refcounts: no leak either way. It relies on a sector write
 * being atomic, as qemu's header updates and every journaling filesystem do.
 *
 * <p>The new active L2 tables keep sharing every table whose flags stay right; the cost of a switch is one copy of
 * the changed refcount blocks, of the refcount table and of the L2 tables whose entries change state.
 */
final class ShadowSwitch {
    private final Qcow2Metadata m;
    private final Geometry geo;
    private final long fileSize;
    /**
     * Refcount changes, per refcount table index, one counter per cluster the block covers (4 bytes per cluster of
     * the file at most: bounded by the file, since every counted cluster must lie in it).
     */
    private final Map<Long, int[]> deltas = new HashMap<>();

    ShadowSwitch(Qcow2Metadata m) throws IOException {
        m.checkWritable();
        m.flushMetadata();
        m.barrier();
        this.m = m;
        this.geo = m.geo;
        this.fileSize = m.allocationEnd();
    }

    /** One more reference to every L2 table and data cluster {@code l1} reaches (a tree that becomes live). */
    void addTree(long[] l1) throws IOException {
        walkTree(l1, 1);
    }

    /** One reference less to everything {@code l1} reaches (a tree that goes away). */
    void dropTree(long[] l1) throws IOException {
        walkTree(l1, -1);
    }

    /** A structure of {@code bytes} bytes at {@code offset} that nothing will reference after the switch. */
    void free(long offset, long bytes) {
        if (offset > 0 && bytes > 0) {
            long first = offset >>> geo.clusterBits();
            long last = (offset + bytes - 1) >>> geo.clusterBits();
            for (long c = first; c <= last; c++) {
                add(c, -1);
            }
        }
    }

    private void walkTree(long[] l1, int delta) throws IOException {
        int bits = geo.clusterBits();
        for (int i = 0; i < l1.length; i++) {
            long l2Offset = L2Entry.l1Offset(l1[i]);
            if (l2Offset == 0) {
                continue;
            }
            L2Table t = m.loadL2(l2Offset, i);
            for (int j = 0; j < t.entries(); j++) {
                long e = t.entry(j);
                if (L2Entry.isCompressed(e)) {
                    CompressedDescriptor d = CompressedDescriptor.decode(e, bits);
                    checkInFile(d.hostOffset(), l2Offset, j);
                    for (long c = d.firstCluster(bits); c <= d.lastCluster(bits); c++) {
                        add(c, delta);
                    }
                } else if (L2Entry.hostOffset(e) != 0) {
                    checkInFile(L2Entry.hostOffset(e), l2Offset, j);
                    add(L2Entry.hostOffset(e) >>> bits, delta);
                }
            }
            add(l2Offset >>> bits, delta);
        }
    }

    /** Bounds the work on a damaged image: every cluster counted must lie in the file. */
    private void checkInFile(long host, long l2Offset, int index) throws IOException {
        if (host >= fileSize) {
            throw m.corruption("qcow2 L2 table", l2Offset + (long) index * geo.l2EntryBytes(),
                    "cluster offset 0x" + Long.toHexString(host) + " lies past the end of the file");
        }
    }

    private void add(long cluster, int delta) {
        long ti = cluster >>> geo.refcountBlockBits();
        int[] d = deltas.computeIfAbsent(ti, k -> new int[(int) geo.refcountsPerBlock()]);
        d[(int) (cluster & (geo.refcountsPerBlock() - 1))] += delta;
    }

    private long delta(long cluster) {
        int[] d = deltas.get(cluster >>> geo.refcountBlockBits());
        return d == null ? 0 : d[(int) (cluster & (geo.refcountsPerBlock() - 1))];
    }

    private long newRefcount(long cluster) throws IOException {
        return m.refcounts.get(cluster) + delta(cluster);
    }

    /**
     * Builds and switches to the new state.
     *
     * @param activeL1     the new active L1 (L2 offsets; flags are recomputed)
     * @param snapshots    the new snapshot table; the entry at {@code newSnapshot} gets an L1 copy of
     *                     {@code newSnapshotL1} written for it (its own L1 offset is ignored)
     * @param newSnapshot  index into {@code snapshots}, or -1
     * @param size         the new virtual size
     * @return the snapshot table as written
     */
    List<SnapshotEntry> commit(long[] activeL1, List<SnapshotEntry> snapshots, int newSnapshot,
                               long[] newSnapshotL1, long size) throws IOException {
        int cs = geo.clusterSize();
        int bits = geo.clusterBits();
        RefcountManager rc = m.refcounts;
        // What the switch retires.
        boolean replaceL1 = activeL1.length > 0;
        if (replaceL1 && m.l1.size() > 0) {
            free(m.l1.offset(), (long) m.l1.size() * 8);
        }
        if (!m.snapshots.isEmpty()) {
            free(m.header.snapshotsOffset, Qcow2Metadata.snapshotTableBytes(m.snapshots));
        }
        free(rc.tableOffset(), (long) rc.tableClusters() * cs);

        // Active L2 tables whose entries' COPIED flags would be wrong under the new refcounts get a copy.
        List<L2Table> copies = new ArrayList<>();
        int[] copyOf = new int[activeL1.length];
        java.util.Arrays.fill(copyOf, -1);
        for (int i = 0; i < activeL1.length; i++) {
            long l2Offset = L2Entry.l1Offset(activeL1[i]);
            if (l2Offset == 0) {
                continue;
            }
            L2Table t = m.loadL2(l2Offset, i);
            L2Table fixed = null;
            for (int j = 0; j < t.entries(); j++) {
                long e = t.entry(j);
                long want = withCopiedFlag(e);
                if (want != e) {
                    if (fixed == null) {
                        fixed = t.copyTo(-1);
                    }
                    fixed.set(j, want, t.bitmap(j));
                }
            }
            if (fixed != null) {
                copyOf[i] = copies.size();
                copies.add(fixed);
                add(l2Offset >>> bits, -1); // the active tree now points at the copy
            }
        }

        byte[] snapshotL1Bytes = null;
        long snapshotL1Clusters = 0;
        if (newSnapshot >= 0 && newSnapshotL1.length > 0) {
            long[] stripped = new long[newSnapshotL1.length];
            for (int i = 0; i < stripped.length; i++) {
                stripped[i] = newSnapshotL1[i] & ~L2Entry.COPIED;
            }
            snapshotL1Bytes = L1Table.toBytes(stripped, 0, stripped.length);
            snapshotL1Clusters = geo.clustersFor(snapshotL1Bytes.length);
        }
        long l1Clusters = replaceL1 ? geo.clustersFor((long) activeL1.length * 8) : 0;
        List<SnapshotEntry> table = new ArrayList<>(snapshots);
        long tableBytesLen = Qcow2Metadata.snapshotTableBytes(table);
        long snapshotTableClusters = geo.clustersFor(tableBytesLen);
        long structures = copies.size() + snapshotL1Clusters + l1Clusters + snapshotTableClusters;

        // Lay out [structures | refcount blocks | refcount table] in clusters that are free now, past the end of
        // the file, and find the fixed point: blocks count the area and themselves; replaced blocks are freed.
        long areaStart = geo.clustersFor(fileSize);
        TreeMap<Long, Long> newBlocks = new TreeMap<>(); // table index -> cluster (assigned below)
        java.util.Set<Long> retiredBlocks = new java.util.HashSet<>();
        long blockCount;
        long tableClusters;
        int tableLength;
        for (int round = 0; ; round++) {
            if (round > 64) {
                throw new IOException(m.name + ": the refcount structure for the switch does not converge");
            }
            newBlocks.clear();
            long guessBlocks = 0;
            long guessTable = rc.tableClusters();
            long areaEnd;
            for (int step = 0; ; step++) {
                if (step > 64) {
                    throw new IOException(m.name + ": the refcount structure for the switch does not converge");
                }
                areaEnd = areaStart + structures + guessBlocks + guessTable;
                java.util.Set<Long> need = blocksNeeded(areaStart, areaEnd, retiredBlocks);
                long length = Math.max(rc.table().length, ((areaEnd - 1) >>> geo.refcountBlockBits()) + 1);
                long perCluster = geo.refcountTableEntriesPerCluster();
                long clusters = (length + perCluster - 1) / perCluster;
                if (clusters * cs > RefcountManager.MAX_TABLE_BYTES) {
                    throw new IOException(m.name + ": the refcount table would grow beyond "
                            + (RefcountManager.MAX_TABLE_BYTES >> 20) + " MiB");
                }
                if (need.size() == guessBlocks && clusters == guessTable) {
                    for (long ti : need) {
                        newBlocks.put(ti, 0L);
                    }
                    tableClusters = clusters;
                    tableLength = (int) (clusters * perCluster);
                    break;
                }
                guessBlocks = need.size();
                guessTable = clusters;
            }
            blockCount = guessBlocks;
            long busy = firstUsed(areaStart, areaEnd);
            if (busy >= 0) {
                areaStart = busy + 1; // a stray counted cluster past the end of the file: move past it
                continue;
            }
            break;
        }

        // Assign clusters.
        long next = areaStart;
        for (int k = 0; k < copies.size(); k++) {
            copies.set(k, copies.get(k).copyTo(next++ << bits));
        }
        long snapshotL1Offset = 0;
        if (snapshotL1Bytes != null) {
            snapshotL1Offset = next << bits;
            next += snapshotL1Clusters;
        }
        long l1Offset = replaceL1 ? next << bits : m.l1.offset();
        next += l1Clusters;
        long snapshotTableOffset = table.isEmpty() ? 0 : next << bits;
        next += snapshotTableClusters;
        for (Map.Entry<Long, Long> b : newBlocks.entrySet()) {
            b.setValue(next++ << bits);
        }
        long tableOffset = next << bits;
        next += tableClusters;
        for (long c = areaStart; c < next; c++) {
            add(c, 1);
        }

        // The new active L1 with its flags, now that every refcount is known.
        long[] l1 = new long[activeL1.length];
        for (int i = 0; i < l1.length; i++) {
            long l2Offset = L2Entry.l1Offset(activeL1[i]);
            if (copyOf[i] >= 0) {
                l1[i] = copies.get(copyOf[i]).offset | L2Entry.COPIED;
            } else if (l2Offset != 0) {
                l1[i] = newRefcount(l2Offset >>> bits) == 1 ? l2Offset | L2Entry.COPIED : l2Offset;
            }
        }
        if (newSnapshot >= 0) {
            table.set(newSnapshot, table.get(newSnapshot).withL1(snapshotL1Offset,
                    snapshotL1Bytes == null ? 0 : newSnapshotL1.length));
        }

        // Refcount blocks and table.
        long[] newTable = java.util.Arrays.copyOf(rc.table(), tableLength);
        List<RefcountBlock> blocks = new ArrayList<>();
        for (Map.Entry<Long, Long> b : newBlocks.entrySet()) {
            long ti = b.getKey();
            RefcountBlock old = rc.loadBlock(ti);
            byte[] bytes = old == null ? new byte[cs] : old.toBytes().clone();
            RefcountBlock nb = new RefcountBlock(b.getValue(), bytes, geo.refcountOrder());
            int[] d = deltas.get(ti);
            if (d != null) {
                for (int k = 0; k < d.length; k++) {
                    if (d[k] != 0) {
                        long v = nb.get(k) + d[k];
                        long cluster = (ti << geo.refcountBlockBits()) + k;
                        if (v < 0) {
                            throw m.corruption("qcow2 refcount block", old == null ? -1 : old.offset,
                                    "cluster " + cluster + " would lose more references than it has");
                        }
                        if (v > geo.refcountMax()) {
                            throw new IOException(m.name + ": the refcount of cluster " + cluster + " would exceed "
                                    + geo.refcountMax() + ", the most refcount_bits=" + geo.refcountBits()
                                    + " can hold (use qemu-img amend -o refcount_bits=16)");
                        }
                        nb.set(k, v);
                    }
                }
            }
            newTable[(int) ti] = b.getValue();
            blocks.add(nb);
        }

        // Write the new state where nothing points yet, then switch.
        for (L2Table t : copies) {
            m.file.write(t.offset, ByteBuffer.wrap(t.toBytes()));
        }
        if (snapshotL1Bytes != null) {
            m.file.write(snapshotL1Offset, ByteBuffer.wrap(snapshotL1Bytes));
        }
        if (replaceL1) {
            m.file.write(l1Offset, ByteBuffer.wrap(L1Table.toBytes(l1, 0, l1.length)));
        }
        if (!table.isEmpty()) {
            m.file.write(snapshotTableOffset, ByteBuffer.wrap(SnapshotEntry.toBytes(table)));
        }
        for (RefcountBlock b : blocks) {
            m.file.write(b.offset, ByteBuffer.wrap(b.toBytes()));
        }
        m.file.write(tableOffset, ByteBuffer.wrap(L1Table.toBytes(newTable, 0, newTable.length)));
        m.barrier();
        int l1Size = replaceL1 ? l1.length : m.l1.size();
        ByteBuffer header = ByteBuffer.allocate(48);
        header.putLong(size).putInt(m.header.cryptMethod).putInt(l1Size).putLong(l1Offset)
                .putLong(tableOffset).putInt((int) tableClusters).putInt(table.size()).putLong(snapshotTableOffset);
        m.writeHeaderFields(Qcow2Header.SIZE_OFFSET, header.array());
        m.barrier();

        m.switched(size, replaceL1 ? new L1Table(l1Offset, l1) : m.l1, tableOffset, (int) tableClusters, newTable,
                table, snapshotTableOffset);
        return table;
    }

    /** The COPIED flag an active L2 entry must carry under the new refcounts. */
    private long withCopiedFlag(long e) throws IOException {
        if (L2Entry.isCompressed(e)) {
            return e & ~L2Entry.COPIED;
        }
        long host = L2Entry.hostOffset(e);
        if (host == 0) {
            return e;
        }
        return newRefcount(host >>> geo.clusterBits()) == 1 ? e | L2Entry.COPIED : e & ~L2Entry.COPIED;
    }

    /**
     * Refcount table indexes that need a new block: every existing block with a count that changes (its own cluster
     * is then retired, which changes a count in turn) and every index the new area touches.
     */
    private java.util.Set<Long> blocksNeeded(long areaStart, long areaEnd, java.util.Set<Long> retired) {
        // Once a block is retired (its cluster counted free), it must be replaced even if the area moved off it.
        java.util.Set<Long> need = new java.util.TreeSet<>(retired);
        for (long ti = areaStart >>> geo.refcountBlockBits(); ti <= (areaEnd - 1) >>> geo.refcountBlockBits(); ti++) {
            need.add(ti);
        }
        boolean grew = true;
        while (grew) {
            grew = false;
            for (Map.Entry<Long, int[]> e : new ArrayList<>(deltas.entrySet())) {
                if (need.contains(e.getKey()) || !anyNonZero(e.getValue())) {
                    continue;
                }
                need.add(e.getKey());
                grew = true;
            }
            for (long ti : need) {
                long old = m.refcounts.blockOffset(ti);
                if (old != 0 && retired.add(ti)) {
                    add(old >>> geo.clusterBits(), -1);
                    grew = true;
                }
            }
        }
        return need;
    }

    private static boolean anyNonZero(int[] d) {
        for (int v : d) {
            if (v != 0) {
                return true;
            }
        }
        return false;
    }

    /** The first cluster of [from, to) that is counted as in use now, or -1. */
    private long firstUsed(long from, long to) throws IOException {
        for (long c = from; c < to; c++) {
            long ti = c >>> geo.refcountBlockBits();
            if (m.refcounts.blockOffset(ti) == 0) {
                c = ((ti + 1) << geo.refcountBlockBits()) - 1; // no block: all free
                continue;
            }
            if (m.refcounts.get(c) != 0) {
                return c;
            }
        }
        return -1;
    }
}
