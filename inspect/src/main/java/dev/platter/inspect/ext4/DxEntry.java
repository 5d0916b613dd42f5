package dev.platter.inspect.ext4;

/**
 * One htree index entry: names hashing at or above {@code hash} (bit 0: "continues a collision run from the
 * previous block") live under directory block {@code block}. Entry 0 of each node stores no hash (implicitly 0).
 */
record DxEntry(int hash, long block) {
    static final int SIZE = 8;

    static DxEntry parse(byte[] b, int off, boolean first) {
        // The kernel masks the top bits of the block number (dx_get_block).
        return new DxEntry(first ? 0 : Le.i32(b, off), Le.u32(b, off + 4) & 0x0FFFFFFF);
    }
}
