package dev.platter.operation;

import dev.platter.core.Extent;

/**
 * One row of {@code map}: qemu-img's MapEntry.
 *
 * @param start    virtual offset
 * @param length   bytes
 * @param depth    layer of the backing chain that answered (for ranges no layer allocates: the bottom layer)
 * @param present  some layer allocates the range
 * @param zero     the range reads as zeros
 * @param data     the range is stored data
 * @param offset   host offset of the bytes in {@code filename}, or -1 when there is none
 * @param filename host file holding the bytes (with an offset only), or null
 */
public record MapEntry(long start, long length, int depth, boolean present, boolean zero, boolean data, long offset,
                       String filename) {

    /** The row for one run of a device's allocation map. */
    public static MapEntry of(Extent e) {
        return of(e, e.status() != Extent.Status.DATA);
    }

    /** The row for a run, with {@code zero} for data known to read as zeros (over a hole of the host file). */
    static MapEntry of(Extent e, boolean zero) {
        boolean hasOffset = e.hostOffset() >= 0;
        return new MapEntry(e.start(), e.length(), e.depth(), e.status() != Extent.Status.UNALLOCATED, zero,
                e.status() == Extent.Status.DATA, e.hostOffset(), hasOffset ? e.hostName() : null);
    }

    public boolean hasOffset() {
        return offset >= 0;
    }

    public long end() {
        return start + length;
    }

    MapEntry withLength(long newLength) {
        return new MapEntry(start, newLength, depth, present, zero, data, offset, filename);
    }

    MapEntry withFlags(boolean newZero, boolean newData) {
        return new MapEntry(start, length, depth, present, newZero, newData, offset, filename);
    }

    /** qemu-img's entry_mergeable: {@code next} continues this row with the same flags, layer, file and offsets. */
    boolean mergeableWith(MapEntry next) {
        if (length == 0) {
            return false;
        }
        if (zero != next.zero || data != next.data || depth != next.depth || present != next.present
                || (filename == null) != (next.filename == null) || hasOffset() != next.hasOffset()) {
            return false;
        }
        if (filename != null && !filename.equals(next.filename)) {
            return false;
        }
        return !hasOffset() || offset + length == next.offset;
    }
}
