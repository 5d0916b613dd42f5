package dev.platter.inspect.xfs;

import dev.platter.core.CorruptImageException;

/**
 * The root of a bmap btree, stored in the inode's fork (xfs_bmdr_block): level u16, numrecs u16, then
 * {@code keys[maxrecs]} and {@code ptrs[maxrecs]}, where maxrecs comes from the fork size, not from numrecs.
 */
record BmbtRoot(int level, long[] keys, long[] ptrs) {
    static final int MAX_LEVELS = 10;

    static BmbtRoot parse(byte[] fork, String what, long position) throws CorruptImageException {
        if (fork.length < 4 + 16) {
            throw new CorruptImageException(what, position, "a " + fork.length + "-byte fork cannot hold a btree root");
        }
        int level = Be.u16(fork, 0);
        int numRecs = Be.u16(fork, 2);
        int maxRecs = (fork.length - 4) / 16;
        if (level < 1 || level > MAX_LEVELS) {
            throw new CorruptImageException(what, position, "bmap btree root level " + level);
        }
        if (numRecs < 1 || numRecs > maxRecs) {
            throw new CorruptImageException(what, position, "bmap btree root holds " + numRecs + " pointers, "
                    + maxRecs + " fit");
        }
        long[] keys = new long[numRecs];
        long[] ptrs = new long[numRecs];
        for (int i = 0; i < numRecs; i++) {
            keys[i] = Be.u64(fork, 4 + i * 8);
            ptrs[i] = Be.u64(fork, 4 + maxRecs * 8 + i * 8);
        }
        return new BmbtRoot(level, keys, ptrs);
    }

    /** Index of the child whose key range holds {@code fileBlock}: the last key not above it, else the first. */
    static int childIndex(long[] keys, int n, long fileBlock) {
        int lo = 0;
        int hi = n - 1;
        int best = 0;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (keys[mid] <= fileBlock) {
                best = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return best;
    }
}
