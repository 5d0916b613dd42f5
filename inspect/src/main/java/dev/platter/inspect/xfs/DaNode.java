package dev.platter.inspect.xfs;

import dev.platter.core.CorruptImageException;

/**
 * An interior block of a directory or attribute hash index (xfs_da_intnode): {count u16, level u16} after the block
 * info (v5 pads to 64 bytes), then entries {hashval u32, before u32}, where {@code before} is the fork-relative
 * block of the child whose largest hash is {@code hashval}.
 */
record DaNode(DaBlockInfo info, int level, long[] hashvals, long[] befores) {
    static final int MAX_DEPTH = 5;

    static DaNode parse(byte[] b, DaBlockInfo info, boolean v5, long position, String what)
            throws CorruptImageException {
        int base = DaBlockInfo.size(v5);
        int count = Be.u16(b, base);
        int level = Be.u16(b, base + 2);
        int header = v5 ? 64 : 16;
        if (level < 1 || level >= MAX_DEPTH) {
            throw new CorruptImageException(what, position, "node level " + level);
        }
        if (count < 1 || header + count * 8L > b.length) {
            throw new CorruptImageException(what, position, count + " node entries do not fit in a " + b.length
                    + "-byte block");
        }
        long[] hashvals = new long[count];
        long[] befores = new long[count];
        for (int i = 0; i < count; i++) {
            hashvals[i] = Be.u32(b, header + i * 8);
            befores[i] = Be.u32(b, header + i * 8 + 4);
        }
        return new DaNode(info, level, hashvals, befores);
    }

    /** The child to follow for {@code hash}: the first entry whose hashval is at least {@code hash}, else the last. */
    long childFor(long hash) {
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
        return befores[Math.min(lo, hashvals.length - 1)];
    }
}
