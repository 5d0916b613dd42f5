package dev.platter.inspect.xfs;

/**
 * The header that opens every transaction in the log (xfs_trans_header, 16 bytes, in the writer's byte order):
 * magic "TRAN", type (40, a checkpoint, in every log the CIL writes), id and the number of items that follow.
 */
record LogTransHeader(long magic, long type, long tid, long numItems) {
    static final int SIZE = 16;
    static final long MAGIC = 0x5452414EL;

    static LogTransHeader parse(byte[] b) {
        return new LogTransHeader(Le.u32(b, 0), Le.u32(b, 4), Le.u32(b, 8), Le.u32(b, 12));
    }
}
