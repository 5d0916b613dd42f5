package dev.platter.inspect.xfs;

import java.util.zip.CRC32C;

/**
 * The header of an XFS log record (xlog_rec_header), in the first 512-byte basic block of the record: magic
 * 0xFEEDBABE, cycle, version (1, or 2 for v2 logs), len (bytes of data after the header blocks), lsn, tail_lsn, crc
 * (CRC-32C, little-endian; 0 when never computed), prev_block, num_logops, cycle_data[64] (the first word of each of
 * the first 64 data blocks, which the writer replaced by the cycle number), fmt (1 = Linux little-endian items),
 * fs_uuid, and size (the in-core log buffer size, v2). v2 records whose buffers exceed 32 KiB carry one
 * {@link LogExtHeader} block per further 32 KiB of data.
 */
record LogRecordHeader(long cycle, int version, long len, long lsn, long tailLsn, long crc, long prevBlock,
                       long numLogOps, long[] cycleData, int fmt, byte[] fsUuid, long size) {
    static final int MAGIC = 0xFEEDBABE;
    static final int BLOCK = 512;
    /** Cycle data of one header block covers 32 KiB of record; bigger records need extra header blocks. */
    static final int HEADER_CYCLE_SIZE = 32 * 1024;
    /** XLOG_CYCLE_DATA_SIZE: cycle words per header block. */
    static final int CYCLE_WORDS = HEADER_CYCLE_SIZE / BLOCK;
    /** XLOG_MAX_RECORD_BSIZE: no record buffer is bigger. */
    static final int MAX_RECORD_SIZE = 256 * 1024;
    /** XLOG_VERSION_1 | XLOG_VERSION_2. */
    static final int VERSION_OKBITS = 3;
    /** XLOG_FMT_LINUX_LE: log items in little-endian order, the only format read here. */
    static final int FMT_LINUX_LE = 1;
    /** The operation header flag of an unmount record. */
    static final int UNMOUNT_TRANS = 0x20;
    /**
     * Bytes of the header the CRC covers: offsetofend(h_pad0) = 328 on 64-bit Linux, 324 (offsetofend(h_size)) as
     * i386 computed it; the kernel accepts either.
     */
    static final int CRC_SIZE = 328;
    static final int CRC_SIZE_I386 = 324;
    static final int CRC_OFFSET = 32;

    static boolean isHeader(byte[] b, int off) {
        return Be.s32(b, off) == MAGIC;
    }

    static LogRecordHeader parse(byte[] b, int off) {
        long[] cycles = new long[CYCLE_WORDS];
        for (int i = 0; i < CYCLE_WORDS; i++) {
            cycles[i] = Be.u32(b, off + 44 + 4 * i);
        }
        return new LogRecordHeader(Be.u32(b, off + 4), Be.s32(b, off + 8), Be.u32(b, off + 12), Be.u64(b, off + 16),
                Be.u64(b, off + 24), Be.le32(b, off + 32), Be.u32(b, off + 36), Be.u32(b, off + 40), cycles,
                Be.s32(b, off + 300), Be.slice(b, off + 304, 16), Be.u32(b, off + 320));
    }

    /** Basic blocks the header occupies: one, or one per 32 KiB of buffer for v2 logs with big buffers. */
    int headerBlocks() {
        return headerBlocks(version, size);
    }

    /** xlog_logrec_hblks: computed from a record's version and buffer size. */
    static int headerBlocks(int version, long size) {
        if ((version & 2) != 0 && size > HEADER_CYCLE_SIZE) {
            return (int) Math.min(MAX_RECORD_SIZE / HEADER_CYCLE_SIZE, (size + HEADER_CYCLE_SIZE - 1) / HEADER_CYCLE_SIZE);
        }
        return 1;
    }

    /** Basic blocks of data after the header. */
    long dataBlocks() {
        return (len + BLOCK - 1) / BLOCK;
    }

    static int cycleOf(long lsn) {
        return (int) (lsn >>> 32);
    }

    static long blockOf(long lsn) {
        return lsn & 0xFFFF_FFFFL;
    }

    /** XFS_LSN_CMP: cycles compared first, then blocks, both unsigned 32-bit. */
    static int compareLsn(long a, long b) {
        int c = Integer.compareUnsigned(cycleOf(a), cycleOf(b));
        return c != 0 ? c : Long.compare(blockOf(a), blockOf(b));
    }

    static String lsnText(long lsn) {
        return Integer.toUnsignedString(cycleOf(lsn)) + ":" + blockOf(lsn);
    }

    /**
     * xlog_cksum: CRC-32C over the header's first {@code headerBytes} bytes (its CRC field as zero), the cycle data
     * of each extension header block, then the packed data (cycle numbers still in place).
     *
     * @param headers the header blocks, {@code hblks * 512} bytes
     */
    static long checksum(byte[] headers, int hblks, byte[] data, int dataLen, int headerBytes) {
        CRC32C crc = new CRC32C();
        crc.update(headers, 0, CRC_OFFSET);
        crc.update(new byte[4], 0, 4);
        crc.update(headers, CRC_OFFSET + 4, headerBytes - CRC_OFFSET - 4);
        int xheads = (dataLen + HEADER_CYCLE_SIZE - 1) / HEADER_CYCLE_SIZE;
        for (int i = 1; i < xheads && i < hblks; i++) {
            crc.update(headers, i * BLOCK, LogExtHeader.CRC_BYTES);
        }
        crc.update(data, 0, dataLen);
        return crc.getValue();
    }
}
