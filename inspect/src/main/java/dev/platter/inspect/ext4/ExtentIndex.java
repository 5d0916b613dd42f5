package dev.platter.inspect.ext4;

/**
 * An index entry of an extent-tree interior node.
 *
 * @param firstLogical first file block the child covers
 * @param child        block number of the child node (48 bits)
 */
record ExtentIndex(long firstLogical, long child) {
    static final int SIZE = 12;

    static ExtentIndex parse(byte[] b, int off) {
        return new ExtentIndex(Le.u32(b, off), Le.u32(b, off + 4) | (long) Le.u16(b, off + 8) << 32);
    }
}
