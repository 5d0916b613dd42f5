package dev.platter.inspect.xfs;

import dev.platter.core.CorruptImageException;
import dev.platter.core.UnsupportedFeatureException;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The XFS superblock (xfs_dsb), first sector of every allocation group; AG 0's copy is the primary. Fields keep the
 * specification's names without the {@code sb_} prefix.
 */
record Superblock(
        int blockSize, long dblocks, long rblocks, long rextents, byte[] uuid, long logStart, long rootIno,
        long rbmIno, long rsumIno, long rextSize, long agBlocks, long agCount, long rbmBlocks, long logBlocks,
        int versionNum, int sectSize, int inodeSize, int inopBlock, byte[] fname, int blockLog, int sectLog,
        int inodeLog, int inopbLog, int agBlkLog, int rextsLog, int inProgress, int imaxPct, long icount, long ifree,
        long fdblocks, long frextents, long uquotIno, long gquotIno, int qflags, int flags, int sharedVn,
        long inoAlignMt, long unit, long width, int dirBlkLog, int logSectLog, int logSectSize, long logSunit,
        long features2, long badFeatures2, long featuresCompat, long featuresRoCompat, long featuresIncompat,
        long featuresLogIncompat, long crc, long spinoAlign, long pquotIno, long lsn, byte[] metaUuid) {

    static final int MAGIC = 0x58465342; // "XFSB"
    /** Bytes of the superblock that hold fields (the rest of the sector is zero). */
    static final int SIZE = 0x108;
    static final int CRC_OFFSET = 0xE0;

    // versionnum bits (v4)
    static final int VERSION_NUMBITS = 0x000F;
    static final int VERSION_ATTRBIT = 0x0010;
    static final int VERSION_NLINKBIT = 0x0020;
    static final int VERSION_QUOTABIT = 0x0040;
    static final int VERSION_ALIGNBIT = 0x0080;
    static final int VERSION_DALIGNBIT = 0x0100;
    static final int VERSION_SHAREDBIT = 0x0200;
    static final int VERSION_LOGV2BIT = 0x0400;
    static final int VERSION_SECTORBIT = 0x0800;
    static final int VERSION_EXTFLGBIT = 0x1000;
    static final int VERSION_DIRV2BIT = 0x2000;
    static final int VERSION_BORGBIT = 0x4000;
    static final int VERSION_MOREBITSBIT = 0x8000;
    static final int VERSION_OKBITS = VERSION_NUMBITS | VERSION_ATTRBIT | VERSION_NLINKBIT | VERSION_QUOTABIT
            | VERSION_ALIGNBIT | VERSION_DALIGNBIT | VERSION_SHAREDBIT | VERSION_LOGV2BIT | VERSION_SECTORBIT
            | VERSION_EXTFLGBIT | VERSION_DIRV2BIT | VERSION_BORGBIT | VERSION_MOREBITSBIT;

    // features2 bits (v4)
    static final long VERSION2_LAZYSBCOUNTBIT = 0x2;
    static final long VERSION2_ATTR2BIT = 0x8;
    static final long VERSION2_PARENTBIT = 0x10;
    static final long VERSION2_PROJID32BIT = 0x80;
    static final long VERSION2_CRCBIT = 0x100;
    static final long VERSION2_FTYPE = 0x200;
    static final long VERSION2_OKBITS = VERSION2_LAZYSBCOUNTBIT | VERSION2_ATTR2BIT | VERSION2_PROJID32BIT
            | VERSION2_FTYPE;

    // v5 feature bits
    static final long RO_COMPAT_FINOBT = 0x1;
    static final long RO_COMPAT_RMAPBT = 0x2;
    static final long RO_COMPAT_REFLINK = 0x4;
    static final long RO_COMPAT_INOBTCNT = 0x8;
    static final long INCOMPAT_FTYPE = 0x1;
    static final long INCOMPAT_SPINODES = 0x2;
    static final long INCOMPAT_META_UUID = 0x4;
    static final long INCOMPAT_BIGTIME = 0x8;
    static final long INCOMPAT_NEEDSREPAIR = 0x10;
    static final long INCOMPAT_NREXT64 = 0x20;
    static final long INCOMPAT_EXCHRANGE = 0x40;
    static final long INCOMPAT_PARENT = 0x80;
    static final long INCOMPAT_METADIR = 0x100;
    static final long INCOMPAT_ZONED = 0x200;
    static final long INCOMPAT_KNOWN = 0x3FF;

    /** Parses the superblock from the start of {@code b} (at least {@link #SIZE} bytes). */
    static Superblock parse(byte[] b) {
        return new Superblock(
                (int) Be.u32(b, 0x04), Be.u64(b, 0x08), Be.u64(b, 0x10), Be.u64(b, 0x18), Be.slice(b, 0x20, 16),
                Be.u64(b, 0x30), Be.u64(b, 0x38), Be.u64(b, 0x40), Be.u64(b, 0x48), Be.u32(b, 0x50),
                Be.u32(b, 0x54), Be.u32(b, 0x58), Be.u32(b, 0x5C), Be.u32(b, 0x60),
                Be.u16(b, 0x64), Be.u16(b, 0x66), Be.u16(b, 0x68), Be.u16(b, 0x6A), Be.slice(b, 0x6C, 12),
                Be.u8(b, 0x78), Be.u8(b, 0x79), Be.u8(b, 0x7A), Be.u8(b, 0x7B), Be.u8(b, 0x7C), Be.u8(b, 0x7D),
                Be.u8(b, 0x7E), Be.u8(b, 0x7F), Be.u64(b, 0x80), Be.u64(b, 0x88), Be.u64(b, 0x90), Be.u64(b, 0x98),
                Be.u64(b, 0xA0), Be.u64(b, 0xA8), Be.u16(b, 0xB0), Be.u8(b, 0xB2), Be.u8(b, 0xB3),
                Be.u32(b, 0xB4), Be.u32(b, 0xB8), Be.u32(b, 0xBC), Be.u8(b, 0xC0), Be.u8(b, 0xC1),
                Be.u16(b, 0xC2), Be.u32(b, 0xC4), Be.u32(b, 0xC8), Be.u32(b, 0xCC),
                Be.u32(b, 0xD0), Be.u32(b, 0xD4), Be.u32(b, 0xD8), Be.u32(b, 0xDC), Be.le32(b, 0xE0),
                Be.u32(b, 0xE4), Be.u64(b, 0xE8), Be.u64(b, 0xF0), Be.slice(b, 0xF8, 16));
    }

    static boolean hasMagic(byte[] b) {
        return b.length >= 4 && Be.s32(b, 0) == MAGIC;
    }

    int version() {
        return versionNum & VERSION_NUMBITS;
    }

    boolean isV5() {
        return version() == 5;
    }

    boolean hasMoreBits() {
        return (versionNum & VERSION_MOREBITSBIT) != 0;
    }

    /** Directory entries carry a file-type byte. */
    boolean hasFtype() {
        return isV5() ? (featuresIncompat & INCOMPAT_FTYPE) != 0
                : hasMoreBits() && (features2 & VERSION2_FTYPE) != 0;
    }

    boolean hasLazySbCount() {
        return isV5() || (hasMoreBits() && (features2 & VERSION2_LAZYSBCOUNTBIT) != 0);
    }

    boolean hasRmapBt() {
        return isV5() && (featuresRoCompat & RO_COMPAT_RMAPBT) != 0;
    }

    /** Linux keeps per-AG metadata reservations (and so reads every AGF at mount) for these btrees. */
    boolean hasPerAgReservations() {
        return isV5() && (featuresRoCompat & (RO_COMPAT_FINOBT | RO_COMPAT_REFLINK | RO_COMPAT_RMAPBT)) != 0;
    }

    boolean hasMetaUuid() {
        return isV5() && (featuresIncompat & INCOMPAT_META_UUID) != 0;
    }

    boolean hasParentPointers() {
        return isV5() && (featuresIncompat & INCOMPAT_PARENT) != 0;
    }

    /** ASCII case-insensitive names (mkfs.xfs -n version=ci: the "BORG" bit, on v4 and v5). */
    boolean asciiCi() {
        return (versionNum & VERSION_BORGBIT) != 0;
    }

    boolean hasRealtime() {
        return rblocks > 0;
    }

    boolean hasInternalLog() {
        return logStart != 0;
    }

    /** The UUID stamped into v5 metadata: meta_uuid with META_UUID, else the user-visible UUID. */
    byte[] metadataUuid() {
        return hasMetaUuid() ? metaUuid : uuid;
    }

    String label() {
        int n = 0;
        while (n < fname.length && fname[n] != 0) {
            n++;
        }
        return new String(fname, 0, n, StandardCharsets.UTF_8);
    }

    static String uuidText(byte[] u) {
        StringBuilder s = new StringBuilder(36);
        for (int i = 0; i < 16; i++) {
            if (i == 4 || i == 6 || i == 8 || i == 10) {
                s.append('-');
            }
            s.append(Character.forDigit((u[i] >> 4) & 0xF, 16)).append(Character.forDigit(u[i] & 0xF, 16));
        }
        return s.toString();
    }

    /**
     * Checks every geometry field the reader relies on, the way the kernel's superblock verifier does, so that
     * later address arithmetic cannot overflow or leave the device.
     */
    void validate() throws CorruptImageException {
        String what = "xfs superblock";
        int v = version();
        if (v < 4 || v > 5) {
            throw new CorruptImageException(what, 0, "version " + v + " (only 4 and 5 exist since 2005)");
        }
        check(Integer.bitCount(blockSize) == 1 && blockSize >= 512 && blockSize <= 65536
                && (1 << blockLog) == blockSize, "block size " + blockSize + " / blocklog " + blockLog);
        check(Integer.bitCount(sectSize) == 1 && sectSize >= 512 && sectSize <= 32768 && (1 << sectLog) == sectSize
                && sectSize <= blockSize, "sector size " + sectSize + " / sectlog " + sectLog);
        check(Integer.bitCount(inodeSize) == 1 && inodeSize >= 256 && inodeSize <= 2048
                && (1 << inodeLog) == inodeSize && inodeSize <= blockSize,
                "inode size " + inodeSize + " / inodelog " + inodeLog);
        check(inopBlock == blockSize / inodeSize && inopbLog == blockLog - inodeLog,
                "inodes per block " + inopBlock + " / inopblog " + inopbLog);
        // Linux's limits: at least 64 blocks and 16 MiB, at most 1 TiB per AG (also what keeps AG loops short).
        long agBytes = agBlocks * (long) blockSize;
        check(agBlocks >= 64 && agBytes >= (16L << 20) && agBytes <= (1L << 40) && agBlkLog == ceilLog2(agBlocks),
                "AG size " + agBlocks + " blocks / agblklog " + agBlkLog);
        check(agCount >= 1 && agCount <= 0x7FFF_FFFFL, "AG count " + agCount);
        check(dblocks > 0 && dblocks <= agCount * agBlocks && dblocks > (agCount - 1) * agBlocks,
                "data blocks " + dblocks + " for " + agCount + " AGs of " + agBlocks);
        check(blockLog + dirBlkLog <= 16, "directory block log " + dirBlkLog);
        check(imaxPct <= 100, "imax_pct " + imaxPct);
        if (isV5()) {
            check(blockSize >= 1024, "v5 needs blocks of at least 1024 bytes, found " + blockSize);
            check(inodeSize >= 512, "v5 needs inodes of at least 512 bytes, found " + inodeSize);
        }
        if (hasInternalLog()) {
            check(logBlocks > 0 && logBlocks < dblocks, "log size " + logBlocks + " blocks");
        }
    }

    /**
     * Refuses what a reader must not guess at: unknown incompatible feature bits (named), v4 feature bits outside
     * what any kernel ever defined, and a filesystem mkfs did not finish. Returns the warnings for features that
     * can be read but deserve a note.
     */
    List<String> checkSupported() throws UnsupportedFeatureException, CorruptImageException {
        List<String> notes = new ArrayList<>();
        if (inProgress != 0) {
            throw new CorruptImageException("xfs superblock", 0x7E, "sb_inprogress is set: mkfs did not finish");
        }
        if (isV5()) {
            long unknown = featuresIncompat & ~INCOMPAT_KNOWN;
            if (unknown != 0) {
                throw new UnsupportedFeatureException("xfs incompat 0x" + Long.toHexString(unknown),
                        "unsupported XFS incompatible feature bits 0x" + Long.toHexString(unknown)
                                + " (sb_features_incompat 0x" + Long.toHexString(featuresIncompat) + ")");
            }
            if ((featuresIncompat & INCOMPAT_NEEDSREPAIR) != 0) {
                notes.add("xfs: the needsrepair flag is set (xfs_repair was interrupted); Linux would refuse to mount"
                        + " this filesystem, reading it as it stands");
            }
        } else {
            if ((versionNum & VERSION_DIRV2BIT) == 0) {
                throw new UnsupportedFeatureException("xfs v1 directories",
                        "XFS v4 filesystem without version 2 directories (IRIX era): not supported, as by Linux");
            }
            int unknownV = versionNum & ~VERSION_OKBITS;
            long unknown2 = hasMoreBits() ? features2 & ~(VERSION2_OKBITS | VERSION2_CRCBIT) : 0;
            if (unknownV != 0 || unknown2 != 0) {
                throw new UnsupportedFeatureException("xfs v4 feature bits",
                        "unsupported XFS v4 feature bits: versionnum 0x" + Integer.toHexString(unknownV)
                                + ", features2 0x" + Long.toHexString(unknown2));
            }
            if ((features2 & VERSION2_CRCBIT) != 0) {
                throw new CorruptImageException("xfs superblock", 0xC8, "features2 claims CRCs on a v4 superblock");
            }
        }
        return notes;
    }

    private void check(boolean ok, String problem) throws CorruptImageException {
        if (!ok) {
            throw new CorruptImageException("xfs superblock", 0, "bad " + problem);
        }
    }

    static int ceilLog2(long n) {
        return n <= 1 ? 0 : 64 - Long.numberOfLeadingZeros(n - 1);
    }
}
