package dev.platter.inspect.xfs;

import dev.platter.core.CorruptImageException;

/**
 * A directory hash index: entries {hashval u32, address u32} sorted by hash (xfs_dir2_leaf_entry), as found at the
 * end of a single-block directory and in leaf blocks. Address 0 marks a stale (deleted) entry; otherwise it is the
 * entry's byte offset in the data space divided by 8.
 */
record DirLeafEntries(long[] hashvals, long[] addresses) {
    static final int ENTRY_SIZE = 8;

    static DirLeafEntries parse(byte[] b, int off, int count, long position, String what)
            throws CorruptImageException {
        if (count < 0 || off + (long) count * ENTRY_SIZE > b.length) {
            throw new CorruptImageException(what, position, count + " hash entries at offset " + off
                    + " do not fit in a " + b.length + "-byte block");
        }
        long[] h = new long[count];
        long[] a = new long[count];
        for (int i = 0; i < count; i++) {
            h[i] = Be.u32(b, off + i * ENTRY_SIZE);
            a[i] = Be.u32(b, off + i * ENTRY_SIZE + 4);
        }
        return new DirLeafEntries(h, a);
    }

    int count() {
        return hashvals.length;
    }

    /** Index of the first entry whose hash is at least {@code hash}. */
    int lowerBound(long hash) {
        int lo = 0;
        int hi = hashvals.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (hashvals[mid] < hash) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }
}
