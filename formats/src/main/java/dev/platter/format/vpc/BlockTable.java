package dev.platter.format.vpc;

import java.util.BitSet;

/**
 * The block allocation table in memory: each entry the sector of a block's bitmap, the data right after it.
 * Entries of blocks allocated since the last flush are pending: they reach the file only after the blocks' data
 * and bitmaps are flushed, so that a crash leaves at most blocks nobody points at.
 */
final class BlockTable {
    private final int[] entries;
    private final long bitmapSize;
    private final BitSet pending = new BitSet();

    BlockTable(int[] entries, long bitmapSize) {
        this.entries = entries;
        this.bitmapSize = bitmapSize;
    }

    int size() {
        return entries.length;
    }

    /** Where block {@code i}'s data starts in the file, or -1 if the table has no entry for it. */
    synchronized long dataOffset(int i) {
        if (i >= entries.length || entries[i] == VpcLayout.UNALLOCATED) {
            return -1;
        }
        return (entries[i] & 0xffffffffL) * 512 + bitmapSize;
    }

    synchronized void allocate(int i, long bitmapAt) {
        entries[i] = (int) (bitmapAt / 512);
        pending.set(i);
    }

    synchronized int entry(int i) {
        return entries[i];
    }

    /** The pending entries, cleared. */
    synchronized BitSet takePending() {
        BitSet p = (BitSet) pending.clone();
        pending.clear();
        return p;
    }
}
