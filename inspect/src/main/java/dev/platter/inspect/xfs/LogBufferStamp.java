package dev.platter.inspect.xfs;

import java.util.Arrays;

/**
 * What a v5 buffer's write verifier does when log recovery writes it back, and what recovery reads first: by the
 * magic number the buffer now holds, where its LSN and CRC live. {@link #lsn} is xlog_recover_get_buf_lsn (the LSN
 * of the object on disk, -1 when unknown or of another filesystem: replay it); {@link #stamp} sets the LSN of the
 * replayed transaction and recomputes the CRC, as the verifier does on write.
 */
final class LogBufferStamp {
    private LogBufferStamp() {
    }

    // 32-bit magics
    private static final int ABTB_CRC = 0x41423342;
    private static final int ABTC_CRC = 0x41423343;
    private static final int ABTB = 0x41425442;
    private static final int ABTC = 0x41425443;
    private static final int RMAP_CRC = 0x524d4233;
    private static final int REFC_CRC = 0x52334643;
    private static final int IBT_CRC = 0x49414233;
    private static final int IBT = 0x49414254;
    private static final int FIBT_CRC = 0x46494233;
    private static final int FIBT = 0x46494254;
    private static final int BMAP_CRC = 0x424d4133;
    private static final int BMAP = 0x424d4150;
    private static final int AGF = 0x58414746;
    private static final int AGFL = 0x5841464c;
    private static final int AGI = 0x58414749;
    private static final int SYMLINK = 0x58534c4d;
    private static final int DIR3_BLOCK = 0x58444233;
    private static final int DIR3_DATA = 0x58444433;
    private static final int DIR3_FREE = 0x58444633;
    private static final int ATTR3_RMT = 0x5841524d;
    private static final int SB = 0x58465342;
    // 16-bit magics of da blocks, at offset 8
    private static final int DIR3_LEAF1 = 0x3df1;
    private static final int DIR3_LEAFN = 0x3dff;
    private static final int DA3_NODE = 0x3ebe;
    private static final int ATTR3_LEAF = 0x3bee;

    /** xlog_recover_get_buf_lsn on a v5 filesystem: the LSN of the object in {@code b}, or -1. */
    static long lsn(byte[] b, Superblock sb) {
        if (b.length < 512) {
            return -1;
        }
        int magic = Be.s32(b, 0);
        int lsnOff = -1;
        int uuidOff = -1;
        switch (magic) {
            case ABTB_CRC, ABTC_CRC, ABTB, ABTC, RMAP_CRC, REFC_CRC, IBT_CRC, IBT, FIBT_CRC, FIBT -> {
                lsnOff = 24;
                uuidOff = 32;
            }
            case BMAP_CRC, BMAP -> {
                lsnOff = 32;
                uuidOff = 40;
            }
            case AGF -> {
                lsnOff = 0xD0;
                uuidOff = 0x40;
            }
            case AGFL -> {
                lsnOff = 24;
                uuidOff = 8;
            }
            case AGI -> {
                lsnOff = 0x140;
                uuidOff = 0x128;
            }
            case SYMLINK -> {
                lsnOff = 48;
                uuidOff = 16;
            }
            case DIR3_BLOCK, DIR3_DATA, DIR3_FREE -> {
                lsnOff = 16;
                uuidOff = 24;
            }
            case ATTR3_RMT -> {
                return -1;
            }
            case SB -> {
                lsnOff = 0xF0;
                uuidOff = sb.hasMetaUuid() ? 0xF8 : 0x20;
            }
            default -> {
                int da = Be.u16(b, 8);
                if (da == DIR3_LEAF1 || da == DIR3_LEAFN || da == DA3_NODE) {
                    lsnOff = 24;
                    uuidOff = 32;
                }
            }
        }
        if (lsnOff < 0) {
            return -1;
        }
        if (!Arrays.equals(b, uuidOff, uuidOff + 16, sb.metadataUuid(), 0, 16)) {
            return -1;
        }
        return Be.u64(b, lsnOff);
    }

    /**
     * Sets the LSN and recomputes the CRC of the v5 object in {@code b} (a whole buffer), by its magic; objects
     * without a verifier that stamps them (inodes, dquots, unknown contents) are left as they are.
     *
     * @return whether the buffer was recognised and stamped
     */
    static boolean stamp(byte[] b, long lsn, int blockSize) {
        if (b.length < 512) {
            return false;
        }
        int magic = Be.s32(b, 0);
        switch (magic) {
            case ABTB_CRC, ABTC_CRC, RMAP_CRC, REFC_CRC, IBT_CRC, FIBT_CRC -> set(b, 24, 52, lsn);
            case BMAP_CRC -> set(b, 32, 64, lsn);
            case AGF -> set(b, 0xD0, 0xD8, lsn);
            case AGFL -> set(b, 24, 32, lsn);
            case AGI -> set(b, 0x140, 0x138, lsn);
            case SYMLINK -> set(b, 48, 12, lsn);
            case DIR3_BLOCK, DIR3_DATA, DIR3_FREE -> set(b, 16, 4, lsn);
            case SB -> set(b, 0xF0, Superblock.CRC_OFFSET, lsn);
            case ATTR3_RMT -> {
                for (int off = 0; off + blockSize <= b.length; off += blockSize) {
                    if (Be.s32(b, off) == ATTR3_RMT) {
                        LogDinode.be64(b, off + 32, lsn);
                        putCrc(b, off, blockSize, 12);
                    }
                }
            }
            default -> {
                int da = Be.u16(b, 8);
                if (da == DIR3_LEAF1 || da == DIR3_LEAFN || da == DA3_NODE || da == ATTR3_LEAF) {
                    set(b, 24, 12, lsn);
                } else {
                    return false;
                }
            }
        }
        return true;
    }

    static boolean isDirectoryMagic(byte[] b) {
        int magic = Be.s32(b, 0);
        int da = Be.u16(b, 8);
        return magic == DIR3_BLOCK || magic == DIR3_DATA || magic == DIR3_FREE || da == DIR3_LEAF1
                || da == DIR3_LEAFN;
    }

    private static void set(byte[] b, int lsnOff, int crcOff, long lsn) {
        LogDinode.be64(b, lsnOff, lsn);
        putCrc(b, 0, b.length, crcOff);
    }

    /** Stores the CRC-32C of {@code b[off, off+len)} (CRC field as zero) little-endian at {@code crcOff}. */
    static void putCrc(byte[] b, int off, int len, int crcOff) {
        long crc = MetadataChecksums.compute(b, off, len, crcOff);
        b[off + crcOff] = (byte) crc;
        b[off + crcOff + 1] = (byte) (crc >>> 8);
        b[off + crcOff + 2] = (byte) (crc >>> 16);
        b[off + crcOff + 3] = (byte) (crc >>> 24);
    }
}
