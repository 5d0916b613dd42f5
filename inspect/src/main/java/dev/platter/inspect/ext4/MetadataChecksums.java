package dev.platter.inspect.ext4;

import dev.platter.core.CorruptImageException;
import dev.platter.inspect.fs.FsOptions;

/**
 * Metadata checksums (metadata_csum: crc32c seeded from the UUID or s_checksum_seed; gdt_csum: crc16 on group
 * descriptors) and what to do on a mismatch: fail naming the structure, or, with
 * {@link FsOptions#readOnMismatch()}, record a warning and read on.
 */
final class MetadataChecksums {
    private final Superblock sb;
    private final FsOptions options;
    private final Warnings warnings;
    private final boolean metadataCsum;
    private final boolean gdtCsum;
    private final int seed;

    MetadataChecksums(Superblock sb, FsOptions options, Warnings warnings) {
        this.sb = sb;
        this.options = options;
        this.warnings = warnings;
        this.metadataCsum = options.verifyChecksums() && sb.hasMetadataCsum();
        this.gdtCsum = options.verifyChecksums() && !sb.hasMetadataCsum()
                && sb.hasRoCompat(Features.RO_COMPAT_GDT_CSUM);
        this.seed = sb.hasIncompat(Features.INCOMPAT_CSUM_SEED) ? sb.checksumSeed
                : Crc32c.update(0xFFFFFFFF, sb.uuid);
    }

    /** True when per-block metadata checksums (extent, directory, xattr blocks, inodes) are verified. */
    boolean enabled() {
        return metadataCsum;
    }

    int inodeSeed(long ino, long generation) {
        return Crc32c.update32(Crc32c.update32(seed, (int) ino), (int) generation);
    }

    void superblock() throws CorruptImageException {
        if (!metadataCsum) {
            return;
        }
        if (sb.checksumType != 1) {
            mismatch(Superblock.STRUCTURE, Superblock.OFFSET, "unknown checksum type " + sb.checksumType);
            return;
        }
        int computed = Crc32c.update(0xFFFFFFFF, sb.raw, 0, 0x3FC);
        check(Superblock.STRUCTURE, Superblock.OFFSET, sb.checksum, computed);
    }

    void groupDescriptor(long group, byte[] b, int off, long diskOffset) throws CorruptImageException {
        if (!metadataCsum && !gdtCsum) {
            return;
        }
        int stored = Le.u16(b, off + GroupDescriptor.CHECKSUM_OFFSET);
        check("ext group descriptor " + group, diskOffset, stored, groupDescriptorCrc(group, b, off));
    }

    /** The descriptor's 16-bit checksum: crc32c's low half with metadata_csum, else gdt_csum's crc16. */
    private int groupDescriptorCrc(long group, byte[] b, int off) {
        int csumEnd = GroupDescriptor.CHECKSUM_OFFSET + 2;
        if (sb.hasMetadataCsum()) {
            int c = Crc32c.update32(seed, (int) group);
            c = Crc32c.update(c, b, off, GroupDescriptor.CHECKSUM_OFFSET);
            c = Crc32c.updateZeros(c, 2);
            c = Crc32c.update(c, b, off + csumEnd, sb.descSize - csumEnd);
            return c & 0xFFFF;
        }
        byte[] le = new byte[4];
        Le.put32(le, 0, (int) group);
        int c = Crc16.update(0xFFFF, sb.uuid, 0, 16);
        c = Crc16.update(c, le, 0, 4);
        c = Crc16.update(c, b, off, GroupDescriptor.CHECKSUM_OFFSET);
        if (sb.is64Bit() && csumEnd < sb.descSize) {
            c = Crc16.update(c, b, off + csumEnd, sb.descSize - csumEnd);
        }
        return c;
    }

    /** The inode checksum covers the whole record with both checksum fields counted as zero. */
    void inode(Inode inode, long diskOffset) throws CorruptImageException {
        if (!metadataCsum) {
            return;
        }
        byte[] r = inode.raw;
        boolean hiFits = inode.fits(Inode.CHECKSUM_HI, 2);
        int c = inodeCrc(r, inode.number, inode.generation, hiFits);
        long stored = Le.u16(r, Inode.CHECKSUM_LO);
        long computed = c & 0xFFFF;
        if (hiFits) {
            stored |= (long) Le.u16(r, Inode.CHECKSUM_HI) << 16;
            computed = c & 0xFFFFFFFFL;
        }
        check("ext inode " + inode.number, diskOffset, stored, computed);
    }

    private int inodeCrc(byte[] r, long ino, long generation, boolean hiFits) {
        int c = inodeSeed(ino, generation);
        c = Crc32c.update(c, r, 0, Inode.CHECKSUM_LO);
        c = Crc32c.updateZeros(c, 2);
        c = Crc32c.update(c, r, Inode.CHECKSUM_LO + 2, Inode.GOOD_OLD_SIZE - Inode.CHECKSUM_LO - 2);
        if (r.length > Inode.GOOD_OLD_SIZE) {
            c = Crc32c.update(c, r, Inode.GOOD_OLD_SIZE, Inode.CHECKSUM_HI - Inode.GOOD_OLD_SIZE);
            int rest = Inode.CHECKSUM_HI;
            if (hiFits) {
                c = Crc32c.updateZeros(c, 2);
                rest += 2;
            }
            c = Crc32c.update(c, r, rest, r.length - rest);
        }
        return c;
    }

    /** Extent-tree block: crc32c of the header and all {@code max} entries, stored right after them. */
    void extentBlock(Inode owner, byte[] b, int max, long diskOffset) throws CorruptImageException {
        if (!metadataCsum) {
            return;
        }
        int tail = ExtentHeader.SIZE + max * ExtentLeaf.SIZE;
        String structure = "ext extent block of inode " + owner.number;
        if (tail + 4 > b.length) {
            mismatch(structure, diskOffset, "no room for the checksum tail");
            return;
        }
        int computed = Crc32c.update(inodeSeed(owner.number, owner.generation), b, 0, tail);
        check(structure, diskOffset, Le.u32(b, tail), computed & 0xFFFFFFFFL);
    }

    /** Directory leaf block: ends with a 12-byte fake entry whose last four bytes hold the crc32c. */
    void dirLeaf(Inode dir, byte[] b, long logical, long diskOffset) throws CorruptImageException {
        if (!metadataCsum) {
            return;
        }
        String structure = "ext directory block " + logical + " of inode " + dir.number;
        int t = b.length - 12;
        if (Le.u32(b, t) != 0 || Le.u16(b, t + 4) != 12 || Le.u8(b, t + 6) != 0 || Le.u8(b, t + 7) != 0xDE) {
            mismatch(structure, diskOffset, "no checksum tail");
            return;
        }
        int computed = Crc32c.update(inodeSeed(dir.number, dir.generation), b, 0, t);
        check(structure, diskOffset, Le.u32(b, t + 8), computed & 0xFFFFFFFFL);
    }

    /**
     * Htree index block (root or node): crc32c over the block up to the used entries, then the tail's reserved
     * word and a zero checksum; the 8-byte tail follows the {@code limit} entries.
     */
    void dxNode(Inode dir, byte[] b, int countOffset, int limit, int count, long logical, long diskOffset)
            throws CorruptImageException {
        if (!metadataCsum) {
            return;
        }
        String structure = "ext htree block " + logical + " of inode " + dir.number;
        int tail = countOffset + limit * DxEntry.SIZE;
        if (tail + 8 > b.length || count > limit) {
            mismatch(structure, diskOffset, "no room for the checksum tail");
            return;
        }
        int c = Crc32c.update(inodeSeed(dir.number, dir.generation), b, 0, countOffset + count * DxEntry.SIZE);
        c = Crc32c.update(c, b, tail, 4);
        c = Crc32c.updateZeros(c, 4);
        check(structure, diskOffset, Le.u32(b, tail + 4), c & 0xFFFFFFFFL);
    }

    /** Xattr block: crc32c of the block number and the block with its checksum field zeroed. */
    void xattrBlock(long block, byte[] b, long diskOffset) throws CorruptImageException {
        if (!metadataCsum) {
            return;
        }
        check("ext xattr block " + block, diskOffset, Le.u32(b, XattrHeader.CHECKSUM_OFFSET),
                xattrBlockCrc(block, b) & 0xFFFFFFFFL);
    }

    private int xattrBlockCrc(long block, byte[] b) {
        byte[] le = new byte[8];
        Le.put32(le, 0, (int) block);
        Le.put32(le, 4, (int) (block >>> 32));
        int c = Crc32c.update(seed, le, 0, 8);
        c = Crc32c.update(c, b, 0, XattrHeader.CHECKSUM_OFFSET);
        c = Crc32c.updateZeros(c, 4);
        return Crc32c.update(c, b, XattrHeader.CHECKSUM_OFFSET + 4, b.length - XattrHeader.CHECKSUM_OFFSET - 4);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Sealing: the same checksums computed and stored by the writer (whenever the filesystem has them, whatever
    // the read options say).

    /** True when the filesystem has metadata_csum: the writer seals every block it writes. */
    boolean writesMetadataCsum() {
        return sb.hasMetadataCsum();
    }

    void sealSuperblock(byte[] raw, int off) {
        if (sb.hasMetadataCsum()) {
            Le.put32(raw, off + 0x3FC, Crc32c.update(0xFFFFFFFF, raw, off, 0x3FC));
        }
    }

    /** Stores the checksum of the group descriptor at {@code off} (crc32c or crc16, as the features ask). */
    void sealGroupDescriptor(long group, byte[] b, int off) {
        if (sb.hasMetadataCsum() || sb.hasRoCompat(Features.RO_COMPAT_GDT_CSUM)) {
            Le.put16(b, off + GroupDescriptor.CHECKSUM_OFFSET, groupDescriptorCrc(group, b, off));
        }
    }

    void sealInode(byte[] raw, long ino) {
        if (!sb.hasMetadataCsum()) {
            return;
        }
        boolean hiFits = raw.length > Inode.GOOD_OLD_SIZE
                && Inode.CHECKSUM_HI + 2 <= Inode.GOOD_OLD_SIZE + Le.u16(raw, 0x80);
        int c = inodeCrc(raw, ino, Le.u32(raw, 0x64), hiFits);
        Le.put16(raw, Inode.CHECKSUM_LO, c);
        if (hiFits) {
            Le.put16(raw, Inode.CHECKSUM_HI, c >>> 16);
        }
    }

    void sealExtentBlock(long ino, long generation, byte[] b) {
        if (!sb.hasMetadataCsum()) {
            return;
        }
        int tail = ExtentHeader.SIZE + ExtentHeader.parse(b, 0).max() * ExtentLeaf.SIZE;
        Le.put32(b, tail, Crc32c.update(inodeSeed(ino, generation), b, 0, tail));
    }

    void sealDirLeaf(long ino, long generation, byte[] b) {
        if (!sb.hasMetadataCsum()) {
            return;
        }
        int t = b.length - 12;
        Le.put32(b, t + 8, Crc32c.update(inodeSeed(ino, generation), b, 0, t));
    }

    void sealDxNode(long ino, long generation, byte[] b, int countOffset, int limit, int count) {
        if (!sb.hasMetadataCsum()) {
            return;
        }
        int tail = countOffset + limit * DxEntry.SIZE;
        int c = Crc32c.update(inodeSeed(ino, generation), b, 0, countOffset + count * DxEntry.SIZE);
        c = Crc32c.update(c, b, tail, 4);
        c = Crc32c.updateZeros(c, 4);
        Le.put32(b, tail + 4, c);
    }

    void sealXattrBlock(long block, byte[] b) {
        if (sb.hasMetadataCsum()) {
            Le.put32(b, XattrHeader.CHECKSUM_OFFSET, xattrBlockCrc(block, b));
        }
    }

    /**
     * An orphan-file block's checksum (in its last four bytes, after the magic): crc32c seeded from the orphan file's
     * inode, over the block's (physical) number as 64 bits and its entries; checked against kernel-made orphan files.
     */
    int orphanBlock(long ino, long generation, long blockNumber, byte[] b) {
        byte[] le = new byte[8];
        Le.put32(le, 0, (int) blockNumber);
        Le.put32(le, 4, (int) (blockNumber >>> 32));
        int c = Crc32c.update(inodeSeed(ino, generation), le, 0, 8);
        return Crc32c.update(c, b, 0, b.length - 8);
    }

    /** crc32c of the first {@code bytes} of a bitmap (the group's share of it), for the descriptor. */
    int bitmap(byte[] b, int bytes) {
        return Crc32c.update(seed, b, 0, bytes);
    }

    private void check(String structure, long offset, long stored, long computed) throws CorruptImageException {
        if (stored != computed) {
            mismatch(structure, offset, String.format("checksum mismatch: stored 0x%x, computed 0x%x", stored, computed));
        }
    }

    private void mismatch(String structure, long offset, String problem) throws CorruptImageException {
        CorruptImageException e = new CorruptImageException(structure, offset, problem);
        if (!options.readOnMismatch()) {
            throw e;
        }
        warnings.add(e.getMessage() + " (read on)");
    }
}
