package dev.platter.inspect.ext4;

/**
 * A leaf extent: {@code length} file blocks from {@code firstLogical} stored from block {@code physical}. A raw
 * length above 32768 marks an unwritten (preallocated) extent of {@code raw - 32768} blocks, which reads as zeros.
 */
record ExtentLeaf(long firstLogical, int length, long physical, boolean unwritten) {
    static final int SIZE = 12;
    private static final int INIT_MAX_LEN = 32768;

    static ExtentLeaf parse(byte[] b, int off) {
        int rawLen = Le.u16(b, off + 4);
        boolean unwritten = rawLen > INIT_MAX_LEN;
        return new ExtentLeaf(Le.u32(b, off), unwritten ? rawLen - INIT_MAX_LEN : rawLen,
                Le.u32(b, off + 8) | (long) Le.u16(b, off + 6) << 32, unwritten);
    }
}
