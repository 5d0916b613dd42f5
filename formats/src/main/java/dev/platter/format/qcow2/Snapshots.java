package dev.platter.format.qcow2;

import dev.platter.core.image.Image;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Internal snapshots, as qemu does them. Create: copy the active L1 table, add one reference to every L2 table and
 * data cluster it reaches (so the active tables lose their COPIED flags and later writes copy), then write the new
 * snapshot table and switch the header to it. Apply: reference the snapshot's tree, copy its L1 into the active
 * table, drop the old tree's references, recompute COPIED. Delete: remove it from the table first, then drop its
 * references and free its L1 copy, then recompute COPIED.
 */
final class Snapshots {
    private Snapshots() {
    }

    /** Finds a snapshot by ID first, then by name (qemu's find_snapshot_by_id_or_name). */
    static int find(List<SnapshotEntry> list, String idOrName) {
        for (int i = 0; i < list.size(); i++) {
            if (list.get(i).id().equals(idOrName)) {
                return i;
            }
        }
        for (int i = 0; i < list.size(); i++) {
            if (list.get(i).name().equals(idOrName)) {
                return i;
            }
        }
        return -1;
    }

    static SnapshotEntry create(Qcow2Metadata m, String name, Instant now) throws IOException {
        m.checkWritable();
        if (m.header.hasDataFile()) {
            throw new IOException("Can't create a snapshot of an image with an external data file");
        }
        m.flushMetadata();
        checkRoom(m, m.l1.entries());
        String id = nextId(m.snapshots);
        int l1Size = m.l1.size();
        long l1Offset = 0;
        if (l1Size > 0) {
            l1Offset = m.refcounts.allocateClusters(m.geo.clustersFor((long) l1Size * 8));
            m.file.write(l1Offset, ByteBuffer.wrap(L1Table.toBytes(m.l1.entries(), 0, l1Size)));
        }
        updateTree(m, m.l1.entries(), 1, true);
        m.flushMetadata();
        m.barrier();
        SnapshotEntry s = new SnapshotEntry(l1Offset, l1Size, id, name, now.getEpochSecond(),
                (now.getNano() / 1000) * 1000L, 0, 0, m.header.size, 0, null);
        List<SnapshotEntry> list = new ArrayList<>(m.snapshots);
        list.add(s);
        writeTable(m, list);
        if (l1Size > 0) {
            m.ranges.add(l1Offset, (long) l1Size * 8, MetadataRanges.Kind.SNAPSHOT_L1);
        }
        return s;
    }

    static void delete(Qcow2Metadata m, int index) throws IOException {
        m.checkWritable();
        m.flushMetadata();
        SnapshotEntry s = m.snapshots.get(index);
        List<SnapshotEntry> list = new ArrayList<>(m.snapshots);
        list.remove(index);
        writeTable(m, list);
        long[] l1 = readL1(m, s);
        updateTree(m, l1, -1, false);
        if (s.l1Size() > 0) {
            m.ranges.remove(s.l1TableOffset());
            m.refcounts.freeLater(s.l1TableOffset(), (long) s.l1Size() * 8);
        }
        m.flushMetadata();
        fixCopiedFlags(m);
        m.flushMetadata();
    }

    /** Makes the snapshot the active state; returns its disk size (the image takes that size). */
    static void apply(Qcow2Metadata m, int index, Image backing) throws IOException {
        m.checkWritable();
        m.flushMetadata();
        SnapshotEntry s = m.snapshots.get(index);
        long[] snapL1 = readL1(m, s);
        checkRoom(m, snapL1);
        if (s.l1Size() > m.l1.size()) {
            Resize.growL1(m, s.l1Size());
        }
        updateTree(m, snapL1, 1, false);
        m.flushMetadata();
        m.barrier();
        long[] old = m.l1.entries().clone();
        long[] now = new long[m.l1.size()];
        System.arraycopy(snapL1, 0, now, 0, snapL1.length);
        // The active L1 is rewritten in place with the snapshot's entries (zero-padded), as qemu does.
        m.file.write(m.l1.offset(), ByteBuffer.wrap(L1Table.toBytes(now, 0, now.length)));
        m.barrier();
        for (long e : old) {
            long l2 = L2Entry.l1Offset(e);
            if (l2 != 0) {
                m.ranges.remove(l2);
            }
        }
        m.l1.relocate(m.l1.offset(), now);
        for (long e : now) {
            long l2 = L2Entry.l1Offset(e);
            if (l2 != 0) {
                m.ranges.add(l2, m.geo.clusterSize(), MetadataRanges.Kind.ACTIVE_L2);
            }
        }
        updateTree(m, old, -1, false);
        m.flushMetadata();
        fixCopiedFlags(m);
        if (s.diskSize() != m.header.size && s.diskSize() >= 0) {
            m.header.size = s.diskSize();
            m.writeHeaderFields(Qcow2Header.SIZE_OFFSET, ByteBuffer.allocate(8).putLong(s.diskSize()).array());
        }
        m.compressedGeneration++;
        m.flushMetadata();
    }

    private static long[] readL1(Qcow2Metadata m, SnapshotEntry s) throws IOException {
        if (s.l1Size() == 0) {
            return new long[0];
        }
        return m.readLongs(s.l1TableOffset(), s.l1Size(), "qcow2 snapshot L1 table", m.file.size());
    }

    /**
     * Adds {@code addend} (+1 or -1) to the refcount of every L2 table and data cluster {@code l1} reaches.
     * Decrements wait until the metadata that dropped the references is written ({@link RefcountManager#freeLater}).
     *
     * @param active the tree is the active one: its COPIED flags are cleared (its clusters are now shared)
     */
    static void updateTree(Qcow2Metadata m, long[] l1, int addend, boolean active) throws IOException {
        int cs = m.geo.clusterSize();
        for (int i = 0; i < l1.length; i++) {
            long l2Offset = L2Entry.l1Offset(l1[i]);
            if (l2Offset == 0) {
                continue;
            }
            L2Table t = m.loadL2(l2Offset, i);
            boolean changed = false;
            for (int j = 0; j < t.entries(); j++) {
                long e = t.entry(j);
                if (L2Entry.isCompressed(e)) {
                    CompressedDescriptor d = CompressedDescriptor.decode(e, m.geo.clusterBits());
                    change(m, d.hostOffset(), d.availableBytes(), addend);
                    continue;
                }
                long host = L2Entry.hostOffset(e);
                if (host == 0) {
                    continue;
                }
                change(m, host, cs, addend);
                if (active && L2Entry.isCopied(e)) {
                    t.set(j, e & ~L2Entry.COPIED, t.bitmap(j));
                    changed = true;
                }
            }
            if (changed) {
                m.l2Cache.markDirty(t);
            }
            change(m, l2Offset, cs, addend);
            if (active && L2Entry.isCopied(l1[i])) {
                m.l1.set(i, l1[i] & ~L2Entry.COPIED);
            }
        }
    }

    /**
     * Refuses, before anything changes, to add references that a narrow refcount width cannot hold (the refcount
     * of a cluster shared by the active state and snapshots grows by one per sharer).
     */
    private static void checkRoom(Qcow2Metadata m, long[] l1) throws IOException {
        java.util.Map<Long, Long> adds = new java.util.HashMap<>();
        for (int i = 0; i < l1.length; i++) {
            long l2Offset = L2Entry.l1Offset(l1[i]);
            if (l2Offset == 0) {
                continue;
            }
            adds.merge(l2Offset >>> m.geo.clusterBits(), 1L, Long::sum);
            L2Table t = m.loadL2(l2Offset, i);
            for (int j = 0; j < t.entries(); j++) {
                long e = t.entry(j);
                if (L2Entry.isCompressed(e)) {
                    CompressedDescriptor d = CompressedDescriptor.decode(e, m.geo.clusterBits());
                    for (long c = d.firstCluster(m.geo.clusterBits()); c <= d.lastCluster(m.geo.clusterBits()); c++) {
                        adds.merge(c, 1L, Long::sum);
                    }
                } else if (L2Entry.hostOffset(e) != 0) {
                    adds.merge(L2Entry.hostOffset(e) >>> m.geo.clusterBits(), 1L, Long::sum);
                }
            }
        }
        long max = m.geo.refcountMax();
        for (java.util.Map.Entry<Long, Long> a : adds.entrySet()) {
            if (m.refcounts.get(a.getKey()) + a.getValue() > max) {
                throw new IOException(m.name + ": the refcount of cluster " + a.getKey() + " would exceed "
                        + max + ", the most refcount_bits=" + m.geo.refcountBits()
                        + " can hold (use qemu-img amend -o refcount_bits=16)");
            }
        }
    }

    private static void change(Qcow2Metadata m, long offset, long length, int addend) throws IOException {
        if (addend > 0) {
            m.refcounts.addReference(offset, length);
        } else {
            m.refcounts.freeLater(offset, length);
        }
    }

    /** Sets COPIED exactly where the active tables' clusters have refcount 1. */
    static void fixCopiedFlags(Qcow2Metadata m) throws IOException {
        for (int i = 0; i < m.l1.size(); i++) {
            long e1 = m.l1.get(i);
            long l2Offset = L2Entry.l1Offset(e1);
            if (l2Offset == 0) {
                continue;
            }
            L2Table t = m.loadL2(l2Offset, i);
            boolean changed = false;
            for (int j = 0; j < t.entries(); j++) {
                long e = t.entry(j);
                long ne;
                if (L2Entry.isCompressed(e)) {
                    ne = e & ~L2Entry.COPIED;
                } else if (L2Entry.hostOffset(e) != 0) {
                    long rc = m.refcounts.get(L2Entry.hostOffset(e) >>> m.geo.clusterBits());
                    ne = rc == 1 ? e | L2Entry.COPIED : e & ~L2Entry.COPIED;
                } else {
                    ne = e;
                }
                if (ne != e) {
                    t.set(j, ne, t.bitmap(j));
                    changed = true;
                }
            }
            if (changed) {
                m.l2Cache.markDirty(t);
            }
            long rc = m.refcounts.get(l2Offset >>> m.geo.clusterBits());
            long n1 = rc == 1 ? e1 | L2Entry.COPIED : e1 & ~L2Entry.COPIED;
            if (n1 != e1) {
                m.l1.set(i, n1);
            }
        }
    }

    /** Writes a new snapshot table, switches the header to it, then frees the old one. */
    static void writeTable(Qcow2Metadata m, List<SnapshotEntry> list) throws IOException {
        byte[] bytes = SnapshotEntry.toBytes(list);
        long offset = 0;
        if (!list.isEmpty()) {
            offset = m.refcounts.allocateClusters(m.geo.clustersFor(bytes.length));
            m.file.write(offset, ByteBuffer.wrap(bytes));
        }
        m.flushMetadata();
        m.barrier();
        long oldOffset = m.header.snapshotsOffset;
        long oldBytes = Qcow2Metadata.snapshotTableBytes(m.snapshots);
        m.header.nbSnapshots = list.size();
        m.header.snapshotsOffset = offset;
        m.writeHeaderFields(Qcow2Header.SNAPSHOTS_OFFSET,
                ByteBuffer.allocate(12).putInt(list.size()).putLong(offset).array());
        m.barrier();
        if (!m.snapshots.isEmpty() && oldOffset != 0) {
            m.ranges.remove(oldOffset);
            m.refcounts.freeLater(oldOffset, oldBytes);
        }
        if (!list.isEmpty()) {
            m.ranges.add(offset, bytes.length, MetadataRanges.Kind.SNAPSHOT_TABLE);
        }
        m.snapshots = new ArrayList<>(list);
    }

    /** qemu's find_new_snapshot_id: one more than the largest numeric ID. */
    static String nextId(List<SnapshotEntry> list) {
        long max = 0;
        for (SnapshotEntry s : list) {
            try {
                max = Math.max(max, Long.parseLong(s.id()));
            } catch (NumberFormatException e) {
                // non-numeric IDs do not count
            }
        }
        return Long.toString(max + 1);
    }
}
