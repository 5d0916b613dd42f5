package dev.platter.inspect.xfs;

/**
 * One extent of a fork (xfs_bmbt_rec): 128 bits holding the unwritten flag (1 bit), the file offset in blocks
 * (54 bits), the AG-encoded start block (52 bits) and the length in blocks (21 bits).
 */
record BmbtRecord(long startOff, long startBlock, long blockCount, boolean unwritten) {
    static final int SIZE = 16;

    static BmbtRecord parse(byte[] b, int off) {
        long hi = Be.u64(b, off);
        long lo = Be.u64(b, off + 8);
        return new BmbtRecord((hi >>> 9) & ((1L << 54) - 1), ((hi & 0x1FF) << 43) | (lo >>> 21), lo & 0x1FFFFF,
                hi < 0);
    }

    /** The first file block after this extent. */
    long endOff() {
        return startOff + blockCount;
    }

    boolean contains(long fileBlock) {
        return fileBlock >= startOff && fileBlock < endOff();
    }
}
