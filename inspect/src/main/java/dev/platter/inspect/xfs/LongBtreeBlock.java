package dev.platter.inspect.xfs;

import dev.platter.core.CorruptImageException;

/**
 * The header of a long-form btree block (xfs_btree_block with 64-bit sibling pointers), used by the bmap btree
 * of inode forks: magic "BMAP" (v4, 24 bytes) or "BMA3" (v5, 72 bytes with CRC, own address, owner and UUID).
 */
record LongBtreeBlock(int level, int numRecs, long leftSib, long rightSib, int headerSize) {
    static final int MAGIC_V4 = 0x424D4150; // BMAP
    static final int MAGIC_V5 = 0x424D4133; // BMA3
    static final int V4_SIZE = 24;
    static final int V5_SIZE = 72;
    static final int CRC_OFFSET = 0x40;
    static final long NULL_PTR = -1L;

    /** Parses and checks a bmap btree block read from {@code position}, owned by inode {@code owner}. */
    static LongBtreeBlock parse(byte[] b, long position, long owner, XfsContext ctx, String what)
            throws CorruptImageException {
        int magic = Be.s32(b, 0);
        int expected = ctx.v5 ? MAGIC_V5 : MAGIC_V4;
        if (magic != expected) {
            throw new CorruptImageException(what, position, "bad magic " + Be.magicText(magic & 0xFFFFFFFFL)
                    + ", expected " + Be.magicText(expected));
        }
        if (ctx.v5) {
            ctx.checksums.verify(b, 0, b.length, CRC_OFFSET, what, position);
            ctx.checkSelf(b, 0, position, 0x18, 0x28, 0x38, false, owner, what);
        }
        int header = ctx.v5 ? V5_SIZE : V4_SIZE;
        LongBtreeBlock block = new LongBtreeBlock(Be.u16(b, 4), Be.u16(b, 6), Be.u64(b, 8), Be.u64(b, 16), header);
        int max = block.level == 0 ? (b.length - header) / BmbtRecord.SIZE : (b.length - header) / 16;
        if (block.numRecs > max) {
            throw new CorruptImageException(what, position, block.numRecs + " records, at most " + max + " fit");
        }
        return block;
    }

    /** Records (leaf) or keys/pointers (node) a block of {@code blockSize} bytes can hold. */
    int maxRecs(int blockSize) {
        return (blockSize - headerSize) / 16;
    }
}
