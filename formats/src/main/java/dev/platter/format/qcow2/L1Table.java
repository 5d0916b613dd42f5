package dev.platter.format.qcow2;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * An L1 table held in memory: {@code size} big-endian entries at a cluster-aligned offset, each pointing at an L2
 * table (bit 63 = COPIED). The active table tracks which entries changed so that write-back rewrites only the
 * sectors that hold them.
 */
final class L1Table {
    private long offset;
    private long[] entries;
    private int dirtyFrom = Integer.MAX_VALUE;
    private int dirtyTo = -1;

    L1Table(long offset, long[] entries) {
        this.offset = offset;
        this.entries = entries;
    }

    static L1Table parse(long offset, ByteBuffer bytes, int size) {
        long[] e = new long[size];
        bytes.asLongBuffer().get(e);
        return new L1Table(offset, e);
    }

    long offset() {
        return offset;
    }

    int size() {
        return entries.length;
    }

    long get(long index) {
        return index < entries.length ? entries[(int) index] : 0;
    }

    void set(int index, long value) {
        entries[index] = value;
        dirtyFrom = Math.min(dirtyFrom, index);
        dirtyTo = Math.max(dirtyTo, index);
    }

    long[] entries() {
        return entries;
    }

    /** Moves the table (after it was written elsewhere with a new size); nothing is dirty afterwards. */
    void relocate(long newOffset, long[] newEntries) {
        offset = newOffset;
        entries = newEntries;
        markClean();
    }

    long[] copyOf(int newSize) {
        return Arrays.copyOf(entries, newSize);
    }

    boolean isDirty() {
        return dirtyTo >= 0;
    }

    /** First and last dirty byte offsets in the table, rounded out to 512-byte sectors and clipped to its size. */
    long[] dirtyByteRange() {
        long from = ((long) dirtyFrom * 8) & ~511L;
        long to = Math.min(((long) dirtyTo * 8 + 8 + 511) & ~511L, (long) entries.length * 8);
        return new long[] {from, to};
    }

    void markClean() {
        dirtyFrom = Integer.MAX_VALUE;
        dirtyTo = -1;
    }

    static byte[] toBytes(long[] entries, int fromEntry, int toEntry) {
        ByteBuffer b = ByteBuffer.allocate((toEntry - fromEntry) * 8);
        for (int i = fromEntry; i < toEntry; i++) {
            b.putLong(entries[i]);
        }
        return b.array();
    }
}
