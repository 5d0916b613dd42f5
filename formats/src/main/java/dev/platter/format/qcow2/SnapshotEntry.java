package dev.platter.format.qcow2;

import dev.platter.core.CorruptImageException;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One entry of the snapshot table: the snapshot's own L1 copy, its ID and name, times, VM state size, and the
 * extra data (64-bit VM state size, disk size, icount; anything longer is kept as it is). Entries are padded to a
 * multiple of 8 bytes.
 *
 * @param diskSize virtual size when the snapshot was taken
 * @param icount   record/replay instruction count, -1 when absent
 */
record SnapshotEntry(long l1TableOffset, int l1Size, String id, String name, long dateSec, long dateNsec,
                     long vmClockNsec, long vmStateSize, long diskSize, long icount, byte[] unknownExtra) {
    /** qemu's limits on the table. */
    static final int MAX_SNAPSHOTS = 65536;
    static final long MAX_TABLE_BYTES = 1024L * MAX_SNAPSHOTS;
    static final int MAX_EXTRA = 1024;
    /** The extra data qemu 7.2 writes: vm_state_size_large, disk_size, icount. */
    static final int QEMU_EXTRA = 24;
    private static final int FIXED = 40;

    SnapshotEntry {
        unknownExtra = unknownExtra == null ? new byte[0] : unknownExtra.clone();
    }

    SnapshotEntry withL1(long newOffset, int newSize) {
        return new SnapshotEntry(newOffset, newSize, id, name, dateSec, dateNsec, vmClockNsec, vmStateSize, diskSize,
                icount, unknownExtra);
    }

    /**
     * Parses {@code count} entries from the table bytes.
     *
     * @param tableOffset host offset of the table, for messages
     * @param defaultDiskSize the disk size for entries without one (the image's virtual size)
     */
    static List<SnapshotEntry> parseTable(ByteBuffer b, int count, long tableOffset, long defaultDiskSize)
            throws CorruptImageException {
        List<SnapshotEntry> out = new ArrayList<>();
        int off = 0;
        for (int i = 0; i < count; i++) {
            long at = tableOffset + off;
            if (b.limit() - off < FIXED) {
                throw new CorruptImageException("qcow2 snapshot table entry " + i, at, "runs past the table");
            }
            long l1Offset = b.getLong(off);
            int l1Size = b.getInt(off + 8);
            int idSize = b.getShort(off + 12) & 0xffff;
            int nameSize = b.getShort(off + 14) & 0xffff;
            long dateSec = Integer.toUnsignedLong(b.getInt(off + 16));
            long dateNsec = Integer.toUnsignedLong(b.getInt(off + 20));
            long vmClock = b.getLong(off + 24);
            long vmState = Integer.toUnsignedLong(b.getInt(off + 32));
            long extraSize = Integer.toUnsignedLong(b.getInt(off + 36));
            if (extraSize > MAX_EXTRA) {
                throw new CorruptImageException("qcow2 snapshot table entry " + i, at,
                        "Too much extra metadata in snapshot table entry (" + extraSize + " bytes)");
            }
            long entryLen = FIXED + extraSize + idSize + nameSize;
            if (entryLen > b.limit() - off) {
                throw new CorruptImageException("qcow2 snapshot table entry " + i, at, "runs past the table");
            }
            int x = off + FIXED;
            long diskSize = defaultDiskSize;
            long icount = -1;
            if (extraSize >= 8) {
                vmState = b.getLong(x);
            }
            if (extraSize >= 16) {
                diskSize = b.getLong(x + 8);
            }
            if (extraSize >= 24) {
                icount = b.getLong(x + 16);
            }
            byte[] unknown = new byte[(int) Math.max(0, extraSize - QEMU_EXTRA)];
            if (unknown.length > 0) {
                b.get(x + QEMU_EXTRA, unknown, 0, unknown.length);
            }
            x += (int) extraSize;
            byte[] id = new byte[idSize];
            b.get(x, id);
            byte[] name = new byte[nameSize];
            b.get(x + idSize, name);
            out.add(new SnapshotEntry(l1Offset, l1Size, new String(id, StandardCharsets.UTF_8),
                    new String(name, StandardCharsets.UTF_8), dateSec, dateNsec, vmClock, vmState, diskSize, icount,
                    unknown));
            off += (int) ((entryLen + 7) & ~7L);
        }
        return out;
    }

    /** Bytes of this entry on disk, padding included. */
    int encodedSize() {
        int len = FIXED + QEMU_EXTRA + unknownExtra.length + id.getBytes(StandardCharsets.UTF_8).length
                + name.getBytes(StandardCharsets.UTF_8).length;
        return (len + 7) & ~7;
    }

    void write(ByteBuffer b) {
        int start = b.position();
        byte[] idBytes = id.getBytes(StandardCharsets.UTF_8);
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        b.putLong(l1TableOffset).putInt(l1Size).putShort((short) idBytes.length).putShort((short) nameBytes.length);
        b.putInt((int) dateSec).putInt((int) dateNsec).putLong(vmClockNsec).putInt((int) vmStateSize);
        b.putInt(QEMU_EXTRA + unknownExtra.length);
        b.putLong(vmStateSize).putLong(diskSize).putLong(icount).put(unknownExtra);
        b.put(idBytes).put(nameBytes);
        b.position(start + encodedSize());
    }

    static byte[] toBytes(List<SnapshotEntry> entries) {
        int size = 0;
        for (SnapshotEntry e : entries) {
            size += e.encodedSize();
        }
        ByteBuffer b = ByteBuffer.allocate(size);
        for (SnapshotEntry e : entries) {
            e.write(b);
        }
        return b.array();
    }
}
