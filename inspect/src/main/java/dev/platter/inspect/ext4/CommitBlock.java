package dev.platter.inspect.ext4;

/**
 * A jbd2 commit block ({@code struct commit_header}): after the 12-byte header, the v1 checksum's type and size
 * bytes, eight 32-bit checksum slots (slot 0 holds the v1 crc32_be or the v2/v3 crc32c of the block) and the commit
 * time in seconds and nanoseconds, which the kernel uses to tell a stale block from a corrupt one.
 */
record CommitBlock(int checksumType, int checksumSize, int checksum0, long commitSec) {
    static final int CHECKSUM0 = 0x10;
    /** h_chksum_type of a v1 crc32_be checksum, and its h_chksum_size. */
    static final int CRC32_CHKSUM = 1;
    static final int CRC32_CHKSUM_SIZE = 4;

    static CommitBlock parse(byte[] b) {
        return new CommitBlock(b[0x0C] & 0xFF, b[0x0D] & 0xFF, Be.i32(b, CHECKSUM0), Be.i64(b, 0x30));
    }

    /** The v2/v3 checksum: crc32c of the whole block with slot 0 counted as zero, seeded from the journal UUID. */
    static boolean csumVerify(byte[] b, JournalSuperblock jsb) {
        if (!jsb.hasCsumV2or3()) {
            return true;
        }
        int crc = Crc32c.update(jsb.csumSeed, b, 0, CHECKSUM0);
        crc = Crc32c.updateZeros(crc, 4);
        crc = Crc32c.update(crc, b, CHECKSUM0 + 4, b.length - CHECKSUM0 - 4);
        return crc == Be.i32(b, CHECKSUM0);
    }

    /** The v2/v3 tail checksum of a descriptor or revoke block: crc32c of the block, its last 4 bytes as zero. */
    static boolean tailVerify(byte[] b, JournalSuperblock jsb) {
        if (!jsb.hasCsumV2or3()) {
            return true;
        }
        int crc = Crc32c.update(jsb.csumSeed, b, 0, b.length - 4);
        crc = Crc32c.updateZeros(crc, 4);
        return crc == Be.i32(b, b.length - 4);
    }
}
