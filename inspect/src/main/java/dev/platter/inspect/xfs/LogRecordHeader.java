package dev.platter.inspect.xfs;

/**
 * The header of an XFS log record (xlog_rec_header), one 512-byte basic block (more with big v2 records):
 * magic 0xFEEDBABE, cycle, version, len (bytes of data after the header), lsn, tail_lsn, crc (little-endian),
 * prev_block, num_logops, cycle_data[64], fmt, fs_uuid, size (in-core buffer size; v2). Data blocks of a record
 * have their first word replaced by the cycle number, so only header blocks start with the magic.
 */
record LogRecordHeader(long cycle, int version, long len, long numLogOps, long size) {
    static final int MAGIC = 0xFEEDBABE;
    static final int BLOCK = 512;
    /** Cycle data of one header block covers 32 KiB of record; bigger records need extra header blocks. */
    static final int HEADER_CYCLE_SIZE = 32 * 1024;
    /** The operation header flag of an unmount record. */
    static final int UNMOUNT_TRANS = 0x20;

    static boolean isHeader(byte[] b, int off) {
        return Be.s32(b, off) == MAGIC;
    }

    static LogRecordHeader parse(byte[] b, int off) {
        return new LogRecordHeader(Be.u32(b, off + 4), Be.s32(b, off + 8), Be.u32(b, off + 12), Be.u32(b, off + 40),
                Be.u32(b, off + 320));
    }

    /** Basic blocks the header occupies: one, or one per 32 KiB of record for v2 logs with big buffers. */
    int headerBlocks() {
        if (version == 2 && size > HEADER_CYCLE_SIZE) {
            return (int) Math.min(8, (size + HEADER_CYCLE_SIZE - 1) / HEADER_CYCLE_SIZE);
        }
        return 1;
    }

    /** Basic blocks of data after the header. */
    long dataBlocks() {
        return (len + BLOCK - 1) / BLOCK;
    }
}
