package dev.platter.inspect.xfs;

/**
 * A log operation header (xlog_op_header, 12 bytes, big-endian): the transaction id, the length of the region that
 * follows, the client (0x69 transaction, 0xaa log) and the flags (start, commit, continue, was-continued, end,
 * unmount). A record's data is a sequence of these, each followed by its region.
 */
record LogOpHeader(long tid, long len, int clientId, int flags) {
    static final int SIZE = 12;
    static final int START_TRANS = 0x01;
    static final int COMMIT_TRANS = 0x02;
    static final int CONTINUE_TRANS = 0x04;
    static final int WAS_CONT_TRANS = 0x08;
    static final int END_TRANS = 0x10;
    static final int UNMOUNT_TRANS = 0x20;
    static final int CLIENT_TRANSACTION = 0x69;
    static final int CLIENT_LOG = 0xaa;

    static LogOpHeader parse(byte[] b, int off) {
        return new LogOpHeader(Be.u32(b, off), Be.u32(b, off + 4), Be.u8(b, off + 8), Be.u8(b, off + 9));
    }
}
