package dev.platter.inspect.xfs;

/**
 * An extension header block of a v2 log record (xlog_rec_ext_header): its cycle, then the saved first words of the
 * next 64 data blocks of the record (data blocks 64..127 in the first extension block, and so on).
 */
record LogExtHeader(long cycle, long[] cycleData) {
    /** XLOG_REC_EXT_SIZE: the bytes of an extension block the record CRC covers (cycle and cycle data). */
    static final int CRC_BYTES = 4 + 4 * LogRecordHeader.CYCLE_WORDS;

    static LogExtHeader parse(byte[] b, int off) {
        long[] cycles = new long[LogRecordHeader.CYCLE_WORDS];
        for (int i = 0; i < cycles.length; i++) {
            cycles[i] = Be.u32(b, off + 4 + 4 * i);
        }
        return new LogExtHeader(Be.u32(b, off), cycles);
    }
}
