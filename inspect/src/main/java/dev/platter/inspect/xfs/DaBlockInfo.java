package dev.platter.inspect.xfs;

import dev.platter.core.CorruptImageException;

/**
 * The header shared by the blocks of directory and attribute hash indexes (xfs_da_blkinfo / xfs_da3_blkinfo):
 * sibling links, a 16-bit magic, and on v5 the CRC, own disk address, UUID and owning inode (56 bytes).
 */
record DaBlockInfo(long forw, long back, int magic) {
    static final int V4_SIZE = 12;
    static final int V5_SIZE = 56;
    static final int CRC_OFFSET = 0x0C;

    static final int NODE_MAGIC = 0xFEBE;
    static final int NODE3_MAGIC = 0x3EBE;
    static final int ATTR_LEAF_MAGIC = 0xFBEE;
    static final int ATTR3_LEAF_MAGIC = 0x3BEE;
    static final int DIR_LEAF1_MAGIC = 0xD2F1;
    static final int DIR3_LEAF1_MAGIC = 0x3DF1;
    static final int DIR_LEAFN_MAGIC = 0xD2FF;
    static final int DIR3_LEAFN_MAGIC = 0x3DFF;

    static int size(boolean v5) {
        return v5 ? V5_SIZE : V4_SIZE;
    }

    /** The magic a v4 or v5 block of the given kind must carry. */
    static int magic(int v4Magic, boolean v5) {
        return switch (v4Magic) {
            case NODE_MAGIC -> v5 ? NODE3_MAGIC : NODE_MAGIC;
            case ATTR_LEAF_MAGIC -> v5 ? ATTR3_LEAF_MAGIC : ATTR_LEAF_MAGIC;
            case DIR_LEAF1_MAGIC -> v5 ? DIR3_LEAF1_MAGIC : DIR_LEAF1_MAGIC;
            case DIR_LEAFN_MAGIC -> v5 ? DIR3_LEAFN_MAGIC : DIR_LEAFN_MAGIC;
            default -> throw new IllegalArgumentException("not a da magic: " + v4Magic);
        };
    }

    /**
     * Parses the header of a block read from {@code position}, checking (on v5) its CRC and self-description.
     *
     * @param owner the inode whose directory or attribute fork holds the block
     */
    static DaBlockInfo parse(byte[] b, long position, long owner, XfsContext ctx, String what)
            throws CorruptImageException {
        if (ctx.v5) {
            ctx.checksums.verify(b, 0, b.length, CRC_OFFSET, what, position);
            ctx.checkSelf(b, 0, position, 0x10, 0x20, 0x30, false, owner, what);
        }
        return new DaBlockInfo(Be.u32(b, 0), Be.u32(b, 4), Be.u16(b, 8));
    }
}
