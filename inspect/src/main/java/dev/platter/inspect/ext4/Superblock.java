package dev.platter.inspect.ext4;

import dev.platter.core.CorruptImageException;

import java.nio.charset.StandardCharsets;

/**
 * The ext2/3/4 superblock: 1024 bytes at byte 1024 of the filesystem. Parsing checks the geometry so that
 * everything derived from it (block size, group count, descriptor and inode sizes) is sane before any other
 * structure is located with it.
 */
final class Superblock {
    static final int OFFSET = 1024;
    static final int SIZE = 1024;
    static final int MAGIC = 0xEF53;
    static final String STRUCTURE = "ext superblock";

    final byte[] raw;
    final long inodesCount;
    final long blocksCount;
    final long rBlocksCount;
    final long firstDataBlock;
    final int logBlockSize;
    final int logClusterSize;
    final long blocksPerGroup;
    final long clustersPerGroup;
    final long inodesPerGroup;
    final int state;
    final long revLevel;
    final long firstIno;
    final int inodeSize;
    final int featureCompat;
    final int featureIncompat;
    final int featureRoCompat;
    final byte[] uuid;
    final byte[] volumeName;
    final int reservedGdtBlocks;
    final long journalInum;
    final long lastOrphan;
    final int[] hashSeed;
    final int defHashVersion;
    final int rawDescSize;
    final long firstMetaBg;
    final int flags;
    final int checksumType;
    final long overheadClusters;
    final long[] backupBgs;
    final int checksumSeed;
    final long orphanFileInum;
    final int checksum;

    // Derived geometry.
    final int blockSize;
    final int clusterBits;
    final long groupCount;
    final int descSize;
    final int descPerBlock;
    final long inodeTableBlocks;

    private Superblock(byte[] b) throws CorruptImageException {
        raw = b;
        int magic = Le.u16(b, 0x38);
        if (magic != MAGIC) {
            throw corrupt(String.format("bad magic 0x%04x (expected 0xef53)", magic));
        }
        featureCompat = Le.i32(b, 0x5C);
        featureIncompat = Le.i32(b, 0x60);
        featureRoCompat = Le.i32(b, 0x64);
        boolean is64 = (featureIncompat & Features.INCOMPAT_64BIT) != 0;
        inodesCount = Le.u32(b, 0x00);
        blocksCount = Le.u32(b, 0x04) | (is64 ? Le.u32(b, 0x150) << 32 : 0);
        rBlocksCount = Le.u32(b, 0x08) | (is64 ? Le.u32(b, 0x154) << 32 : 0);
        firstDataBlock = Le.u32(b, 0x14);
        logBlockSize = Le.i32(b, 0x18);
        logClusterSize = Le.i32(b, 0x1C);
        blocksPerGroup = Le.u32(b, 0x20);
        clustersPerGroup = Le.u32(b, 0x24);
        inodesPerGroup = Le.u32(b, 0x28);
        state = Le.u16(b, 0x3A);
        revLevel = Le.u32(b, 0x4C);
        firstIno = revLevel == 0 ? 11 : Le.u32(b, 0x54);
        inodeSize = revLevel == 0 ? 128 : Le.u16(b, 0x58);
        uuid = slice(b, 0x68, 16);
        volumeName = slice(b, 0x78, 16);
        reservedGdtBlocks = Le.u16(b, 0xCE);
        journalInum = Le.u32(b, 0xE0);
        lastOrphan = Le.u32(b, 0xE8);
        hashSeed = new int[] {Le.i32(b, 0xEC), Le.i32(b, 0xF0), Le.i32(b, 0xF4), Le.i32(b, 0xF8)};
        defHashVersion = Le.u8(b, 0xFC);
        rawDescSize = Le.u16(b, 0xFE);
        firstMetaBg = Le.u32(b, 0x104);
        flags = Le.i32(b, 0x160);
        checksumType = Le.u8(b, 0x175);
        overheadClusters = Le.u32(b, 0x248);
        backupBgs = new long[] {Le.u32(b, 0x24C), Le.u32(b, 0x250)};
        checksumSeed = Le.i32(b, 0x270);
        orphanFileInum = Le.u32(b, 0x280);
        checksum = Le.i32(b, 0x3FC);

        if (revLevel > 1) {
            throw corrupt("unknown revision level " + revLevel);
        }
        if (logBlockSize < 0 || logBlockSize > 6) {
            throw corrupt("block size 1024 << " + Integer.toUnsignedString(logBlockSize) + " (expected 1 KiB to 64 KiB)");
        }
        blockSize = 1024 << logBlockSize;
        if ((featureRoCompat & Features.RO_COMPAT_BIGALLOC) != 0) {
            if (logClusterSize < logBlockSize || logClusterSize - logBlockSize > 20) {
                throw corrupt("cluster size 1024 << " + Integer.toUnsignedString(logClusterSize)
                        + " does not suit block size " + blockSize);
            }
            clusterBits = logClusterSize - logBlockSize;
        } else if (logClusterSize != logBlockSize) {
            throw corrupt("cluster size 1024 << " + Integer.toUnsignedString(logClusterSize)
                    + " differs from the block size " + blockSize + " without bigalloc");
        } else {
            clusterBits = 0;
        }
        long bitsPerBitmap = 8L * blockSize;
        if (blocksPerGroup == 0 || clustersPerGroup == 0 || clustersPerGroup > bitsPerBitmap
                || blocksPerGroup != clustersPerGroup << clusterBits) {
            throw corrupt("blocks per group " + blocksPerGroup + " / clusters per group " + clustersPerGroup
                    + " do not fit a " + blockSize + "-byte bitmap");
        }
        if (inodesPerGroup == 0 || inodesPerGroup > bitsPerBitmap) {
            throw corrupt("inodes per group " + inodesPerGroup + " (expected 1 to " + bitsPerBitmap + ")");
        }
        if (inodeSize < 128 || inodeSize > blockSize || Integer.bitCount(inodeSize) != 1) {
            throw corrupt("inode size " + inodeSize + " (expected a power of two from 128 to the block size)");
        }
        if (firstIno < 11 || firstIno > inodesCount) {
            throw corrupt("first inode " + firstIno + " (expected 11 to the inode count " + inodesCount + ")");
        }
        if (firstDataBlock > 1 || blocksCount <= firstDataBlock) {
            throw corrupt("block count " + blocksCount + " / first data block " + firstDataBlock);
        }
        if (blocksCount > (1L << 48)) {
            throw corrupt("block count " + blocksCount + " exceeds the 48-bit block addresses ext4 allows");
        }
        groupCount = (blocksCount - firstDataBlock + blocksPerGroup - 1) / blocksPerGroup;
        if (groupCount > 0xFFFFFFFFL || inodesCount > groupCount * inodesPerGroup) {
            throw corrupt("inode count " + inodesCount + " exceeds " + groupCount + " groups of " + inodesPerGroup);
        }
        if (is64) {
            if (rawDescSize < 64 || rawDescSize > 1024 || Integer.bitCount(rawDescSize) != 1) {
                throw corrupt("group descriptor size " + rawDescSize + " (expected a power of two from 64 to 1024)");
            }
            descSize = rawDescSize;
        } else {
            descSize = 32;
        }
        if (descSize > blockSize) {
            throw corrupt("group descriptor size " + descSize + " exceeds the block size");
        }
        descPerBlock = blockSize / descSize;
        inodeTableBlocks = (inodesPerGroup * inodeSize + blockSize - 1) / blockSize;
        if (inodeTableBlocks > blocksPerGroup) {
            throw corrupt("an inode table of " + inodeTableBlocks + " blocks exceeds a group of " + blocksPerGroup);
        }
    }

    static Superblock parse(byte[] bytes) throws CorruptImageException {
        if (bytes.length < SIZE) {
            throw corrupt("only " + bytes.length + " bytes");
        }
        return new Superblock(bytes);
    }

    private static CorruptImageException corrupt(String problem) {
        return new CorruptImageException(STRUCTURE, OFFSET, problem);
    }

    private static byte[] slice(byte[] b, int off, int len) {
        byte[] r = new byte[len];
        System.arraycopy(b, off, r, 0, len);
        return r;
    }

    boolean hasCompat(int bit) {
        return (featureCompat & bit) != 0;
    }

    boolean hasIncompat(int bit) {
        return (featureIncompat & bit) != 0;
    }

    boolean hasRoCompat(int bit) {
        return (featureRoCompat & bit) != 0;
    }

    boolean is64Bit() {
        return hasIncompat(Features.INCOMPAT_64BIT);
    }

    boolean hasMetadataCsum() {
        return hasRoCompat(Features.RO_COMPAT_METADATA_CSUM);
    }

    /** Blocks per allocation cluster (1 without bigalloc). */
    long clusterRatio() {
        return 1L << clusterBits;
    }

    /** The block holding the superblock itself (1 with 1 KiB blocks, else 0); the classic GDT follows it. */
    long superblockBlock() {
        return blockSize == 1024 ? 1 : 0;
    }

    long groupFirstBlock(long group) {
        return firstDataBlock + group * blocksPerGroup;
    }

    /** Whether group {@code g} holds a superblock backup (and a classic GDT copy). */
    boolean groupHasSuper(long g) {
        if (g == 0) {
            return true;
        }
        if (hasCompat(Features.COMPAT_SPARSE_SUPER2)) {
            return g == backupBgs[0] || g == backupBgs[1];
        }
        if (g <= 1 || !hasRoCompat(Features.RO_COMPAT_SPARSE_SUPER)) {
            return true;
        }
        if ((g & 1) == 0) {
            return false;
        }
        return isPower(g, 3) || isPower(g, 5) || isPower(g, 7);
    }

    private static boolean isPower(long g, int base) {
        long n = base;
        while (n < g) {
            n *= base;
        }
        return n == g;
    }

    /** Block number of descriptor-table block {@code index} (classic table, or meta_bg placement). */
    long descriptorBlock(long index) {
        if (!hasIncompat(Features.INCOMPAT_META_BG) || index < firstMetaBg) {
            return superblockBlock() + 1 + index;
        }
        long firstGroup = index * descPerBlock;
        long skip = groupHasSuper(firstGroup) ? 1 : 0;
        if (blockSize == 1024 && index == 0 && firstDataBlock == 0) {
            skip++;
        }
        return groupFirstBlock(firstGroup) + skip;
    }

    /** Blocks of the classic descriptor table (without meta_bg). */
    long gdtBlocks() {
        return (groupCount + descPerBlock - 1) / descPerBlock;
    }

    /** Descriptor-table blocks stored in group {@code g}, as the kernel counts them for statfs. */
    long groupGdtBlocks(long g) {
        long metaGroup = g / descPerBlock;
        if (!hasIncompat(Features.INCOMPAT_META_BG) || metaGroup < firstMetaBg) {
            if (!groupHasSuper(g)) {
                return 0;
            }
            return hasIncompat(Features.INCOMPAT_META_BG) ? firstMetaBg : gdtBlocks();
        }
        long first = metaGroup * descPerBlock;
        return g == first || g == first + 1 || g == first + descPerBlock - 1 ? 1 : 0;
    }

    /** The label as blkid shows it: the volume name up to its first NUL. */
    String label() {
        int n = 0;
        while (n < volumeName.length && volumeName[n] != 0) {
            n++;
        }
        return new String(volumeName, 0, n, StandardCharsets.UTF_8);
    }

    String uuidString() {
        StringBuilder sb = new StringBuilder(36);
        for (int i = 0; i < 16; i++) {
            if (i == 4 || i == 6 || i == 8 || i == 10) {
                sb.append('-');
            }
            sb.append(String.format("%02x", uuid[i] & 0xFF));
        }
        return sb.toString();
    }
}
