package dev.platter.format.qcow2;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Internal snapshots, with qemu's meaning: a snapshot is an L1 table whose tree holds one reference to each L2
 * table and data cluster it reaches. Create adds a reference to everything the active tree reaches and records a
 * copy of its L1; apply makes the snapshot's tree the active one (the old active tree loses its references);
 * delete drops the snapshot's references. Each is one {@link ShadowSwitch}, so a crash leaves either the old or
 * the new state, never a mix whose COPIED flags disagree with the refcounts.
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
        ShadowSwitch sw = new ShadowSwitch(m);
        long[] active = m.l1.entries().clone();
        sw.addTree(active);
        SnapshotEntry s = new SnapshotEntry(0, active.length, nextId(m.snapshots), name, now.getEpochSecond(),
                (now.getNano() / 1000) * 1000L, 0, 0, m.header.size, 0, null);
        List<SnapshotEntry> list = new ArrayList<>(m.snapshots);
        list.add(s);
        List<SnapshotEntry> written = sw.commit(active, list, list.size() - 1, active, m.header.size);
        return written.get(written.size() - 1);
    }

    static void delete(Qcow2Metadata m, int index) throws IOException {
        m.checkWritable();
        ShadowSwitch sw = new ShadowSwitch(m);
        SnapshotEntry s = m.snapshots.get(index);
        sw.dropTree(readL1(m, s));
        sw.free(s.l1TableOffset(), (long) s.l1Size() * 8);
        List<SnapshotEntry> list = new ArrayList<>(m.snapshots);
        list.remove(index);
        sw.commit(m.l1.entries().clone(), list, -1, null, m.header.size);
    }

    /** Makes the snapshot the active state; the image takes the snapshot's disk size. */
    static void apply(Qcow2Metadata m, int index) throws IOException {
        m.checkWritable();
        ShadowSwitch sw = new ShadowSwitch(m);
        SnapshotEntry s = m.snapshots.get(index);
        long[] snapL1 = readL1(m, s);
        long[] old = m.l1.entries().clone();
        sw.addTree(snapL1);
        sw.dropTree(old);
        // The active L1 keeps at least its size (qemu grows it to the snapshot's when that is larger).
        long[] now = new long[Math.max(old.length, snapL1.length)];
        System.arraycopy(snapL1, 0, now, 0, snapL1.length);
        long size = s.diskSize() >= 0 ? s.diskSize() : m.header.size;
        sw.commit(now, m.snapshots, -1, null, size);
    }

    private static long[] readL1(Qcow2Metadata m, SnapshotEntry s) throws IOException {
        if (s.l1Size() == 0) {
            return new long[0];
        }
        return m.readLongs(s.l1TableOffset(), s.l1Size(), "qcow2 snapshot L1 table", m.file.size());
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
