package dev.platter.inspect.ext4;

import dev.platter.core.CorruptImageException;
import dev.platter.core.UnsupportedFeatureException;

import java.util.ArrayList;
import java.util.List;

/**
 * The jbd2 journal superblock: the first 1024 bytes of journal block 0, big-endian. Version 1 (blocktype 3) has no
 * feature fields; version 2 (blocktype 4) has compat/incompat/ro-compat features, a UUID and, with checksums v2 or
 * v3, a crc32c over itself. Parsing refuses what the kernel would refuse at mount: a bad magic or type, a geometry
 * that does not fit the journal inode or the filesystem, csum v2 together with v3, a superblock checksum mismatch,
 * and incompatible features Platter does not know (by name).
 */
final class JournalSuperblock {
    static final int MAGIC = 0xC03B3998;
    static final int SIZE = 1024;

    static final int BLOCKTYPE_DESCRIPTOR = 1;
    static final int BLOCKTYPE_COMMIT = 2;
    static final int BLOCKTYPE_SUPERBLOCK_V1 = 3;
    static final int BLOCKTYPE_SUPERBLOCK_V2 = 4;
    static final int BLOCKTYPE_REVOKE = 5;

    static final int COMPAT_CHECKSUM = 0x1;
    static final int INCOMPAT_REVOKE = 0x1;
    static final int INCOMPAT_64BIT = 0x2;
    static final int INCOMPAT_ASYNC_COMMIT = 0x4;
    static final int INCOMPAT_CSUM_V2 = 0x8;
    static final int INCOMPAT_CSUM_V3 = 0x10;
    static final int INCOMPAT_FAST_COMMIT = 0x20;
    static final int INCOMPAT_KNOWN = INCOMPAT_REVOKE | INCOMPAT_64BIT | INCOMPAT_ASYNC_COMMIT | INCOMPAT_CSUM_V2
            | INCOMPAT_CSUM_V3 | INCOMPAT_FAST_COMMIT;
    private static final String[] INCOMPAT_NAMES = {
        "journal_incompat_revoke", "journal_64bit", "journal_async_commit", "journal_checksum_v2",
        "journal_checksum_v3", "journal_fast_commit"};

    /** The crc32c checksum type of v2/v3 superblocks. */
    static final int CHECKSUM_TYPE_CRC32C = 4;
    /** The number of fast-commit blocks when s_num_fc_blks is 0. */
    static final int DEFAULT_FAST_COMMIT_BLOCKS = 256;
    /** The kernel refuses journals shorter than this (JBD2_MIN_JOURNAL_BLOCKS) once fast commits are carved out. */
    static final int MIN_JOURNAL_BLOCKS = 1024;

    final int version;
    final int blockSize;
    final long maxLen;
    final long first;
    final int sequence;
    final long start;
    final int errno;
    final int featureCompat;
    final int featureIncompat;
    final int featureRoCompat;
    final byte[] uuid;
    final long nrUsers;
    final int checksumType;
    final long numFcBlocks;
    final int checksum;

    /** End (exclusive) of the log area: s_maxlen, less the fast-commit area when there is one. */
    final long last;
    /** First block of the fast-commit area (when the feature is on). */
    final long fcFirst;
    /** crc32c seed of v2/v3 checksums: crc32c(~0, s_uuid). */
    final int csumSeed;

    private JournalSuperblock(byte[] b, long offset) throws CorruptImageException {
        int magic = Be.i32(b, 0);
        if (magic != MAGIC) {
            throw corrupt(offset, String.format("bad magic 0x%08x (expected 0xc03b3998)", magic));
        }
        int type = Be.i32(b, 4);
        if (type == BLOCKTYPE_SUPERBLOCK_V1) {
            version = 1;
        } else if (type == BLOCKTYPE_SUPERBLOCK_V2) {
            version = 2;
        } else {
            throw corrupt(offset, "block type " + type + " (expected 3 or 4, a v1 or v2 superblock)");
        }
        blockSize = Be.i32(b, 0x0C);
        maxLen = Be.u32(b, 0x10);
        first = Be.u32(b, 0x14);
        sequence = Be.i32(b, 0x18);
        start = Be.u32(b, 0x1C);
        errno = Be.i32(b, 0x20);
        // Fields past s_errno are only meaningful in a version-2 superblock: the kernel ignores them in v1.
        featureCompat = version == 2 ? Be.i32(b, 0x24) : 0;
        featureIncompat = version == 2 ? Be.i32(b, 0x28) : 0;
        featureRoCompat = version == 2 ? Be.i32(b, 0x2C) : 0;
        uuid = new byte[16];
        System.arraycopy(b, 0x30, uuid, 0, 16);
        nrUsers = Be.u32(b, 0x40);
        checksumType = b[0x50] & 0xFF;
        numFcBlocks = Be.u32(b, 0x54);
        checksum = Be.i32(b, 0xFC);

        if (hasIncompat(INCOMPAT_CSUM_V2) && hasIncompat(INCOMPAT_CSUM_V3)) {
            throw corrupt(offset, "both checksum v2 and v3 are set");
        }
        if (first == 0 || first >= maxLen) {
            throw corrupt(offset, "first log block " + first + " outside the journal of " + maxLen + " blocks");
        }
        if (hasIncompat(INCOMPAT_FAST_COMMIT)) {
            long fc = numFcBlocks != 0 ? numFcBlocks : DEFAULT_FAST_COMMIT_BLOCKS;
            if (maxLen - fc < MIN_JOURNAL_BLOCKS || maxLen - fc <= first) {
                throw corrupt(offset, "a fast-commit area of " + fc + " blocks leaves too little of a journal of "
                        + maxLen + " blocks");
            }
            last = maxLen - fc;
            fcFirst = last + 1;
        } else {
            last = maxLen;
            fcFirst = -1;
        }
        csumSeed = Crc32c.update(0xFFFFFFFF, uuid, 0, 16);
        if (hasCsumV2or3()) {
            if (checksumType != CHECKSUM_TYPE_CRC32C) {
                throw corrupt(offset, "checksum type " + checksumType + " (expected 4, crc32c)");
            }
            byte[] copy = b.clone();
            Be.put32(copy, 0xFC, 0);
            int computed = Crc32c.update(0xFFFFFFFF, copy, 0, SIZE);
            if (computed != checksum) {
                throw corrupt(offset, String.format("checksum mismatch: stored 0x%08x, computed 0x%08x",
                        checksum, computed));
            }
        }
    }

    /** Parses the superblock in {@code b} (at least 1024 bytes), found at byte {@code offset} of the device. */
    static JournalSuperblock parse(byte[] b, long offset) throws CorruptImageException {
        if (b.length < SIZE) {
            throw corrupt(offset, "only " + b.length + " bytes");
        }
        return new JournalSuperblock(b, offset);
    }

    /** Refuses, by name, incompatible journal features Platter does not know (as the kernel refuses to mount). */
    void checkFeatures() throws UnsupportedFeatureException {
        int unknown = featureIncompat & ~INCOMPAT_KNOWN;
        if (unknown == 0) {
            return;
        }
        List<String> names = new ArrayList<>();
        for (int bit = 0; bit < 32; bit++) {
            if ((unknown & (1 << bit)) != 0) {
                names.add(bit < INCOMPAT_NAMES.length ? INCOMPAT_NAMES[bit] : "journal_incompat_" + bit);
            }
        }
        String what = String.join(", ", names);
        throw new UnsupportedFeatureException(what, "ext journal uses incompatible feature"
                + (names.size() > 1 ? "s " : " ") + what + ": it cannot be replayed (use --no-replay to read the"
                + " filesystem as it stands on disk)");
    }

    private static CorruptImageException corrupt(long offset, String problem) {
        return new CorruptImageException("ext journal superblock", offset, problem);
    }

    boolean hasIncompat(int bit) {
        return (featureIncompat & bit) != 0;
    }

    boolean hasCsumV2or3() {
        return hasIncompat(INCOMPAT_CSUM_V2) || hasIncompat(INCOMPAT_CSUM_V3);
    }

    /** The v1 transaction checksum (compat "checksum"): crc32_be over descriptor and data blocks, in the commit. */
    boolean hasChecksumV1() {
        return (featureCompat & COMPAT_CHECKSUM) != 0;
    }

    boolean is64Bit() {
        return hasIncompat(INCOMPAT_64BIT);
    }

    /** Bytes of one descriptor tag (without the 16-byte UUID that follows a tag lacking SAME_UUID). */
    int tagBytes() {
        if (hasIncompat(INCOMPAT_CSUM_V3)) {
            return 16;
        }
        int size = 12;
        if (hasIncompat(INCOMPAT_CSUM_V2)) {
            size += 2;
        }
        return is64Bit() ? size : size - 4;
    }

    /** Bytes at the end of descriptor and revoke blocks taken by their checksum tail (v2/v3), else 0. */
    int tailBytes() {
        return hasCsumV2or3() ? 4 : 0;
    }

    /** Feature names as e2fsprogs prints them, for messages. */
    String describeFeatures() {
        List<String> names = new ArrayList<>();
        if (hasChecksumV1()) {
            names.add("journal_checksum");
        }
        for (int bit = 0; bit < INCOMPAT_NAMES.length; bit++) {
            if ((featureIncompat & (1 << bit)) != 0) {
                names.add(INCOMPAT_NAMES[bit]);
            }
        }
        return names.isEmpty() ? "(none)" : String.join(" ", names);
    }
}
