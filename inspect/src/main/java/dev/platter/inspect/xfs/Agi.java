package dev.platter.inspect.xfs;

import dev.platter.core.CorruptImageException;

/**
 * The inode header of an allocation group (xfs_agi, sector 2 of the AG, magic "XAGI"): allocated and free inode
 * counts, the inode btree root and the unlinked-inode buckets.
 */
record Agi(long seqno, long length, long count, long root, long level, long freeCount) {
    static final int MAGIC = 0x58414749; // XAGI
    static final int CRC_OFFSET = 0x138;

    static Agi parse(byte[] b, long agno, long position, XfsContext ctx) throws CorruptImageException {
        String what = "xfs AGI " + agno;
        if (Be.s32(b, 0) != MAGIC) {
            throw new CorruptImageException(what, position, "bad magic " + Be.magicText(Be.u32(b, 0)));
        }
        if (ctx.v5) {
            ctx.checksums.verify(b, 0, b.length, CRC_OFFSET, what, position);
        }
        Agi agi = new Agi(Be.u32(b, 0x08), Be.u32(b, 0x0C), Be.u32(b, 0x10), Be.u32(b, 0x14), Be.u32(b, 0x18),
                Be.u32(b, 0x1C));
        if (agi.seqno != agno || agi.freeCount > agi.count) {
            throw new CorruptImageException(what, position, "inconsistent header (AG " + agi.seqno + ", "
                    + agi.count + " inodes, " + agi.freeCount + " free)");
        }
        return agi;
    }
}
