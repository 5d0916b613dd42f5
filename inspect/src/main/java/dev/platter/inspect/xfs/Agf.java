package dev.platter.inspect.xfs;

import dev.platter.core.CorruptImageException;

/**
 * The free-space header of an allocation group (xfs_agf, sector 1 of the AG, magic "XAGF"); only the counters the
 * free-space figures need are kept.
 */
record Agf(long seqno, long length, long flCount, long freeBlocks, long longest, long btreeBlocks, long rmapBlocks) {
    static final int MAGIC = 0x58414746; // XAGF
    static final int CRC_OFFSET = 0xD8;

    static Agf parse(byte[] b, long agno, long position, XfsContext ctx) throws CorruptImageException {
        String what = "xfs AGF " + agno;
        if (Be.s32(b, 0) != MAGIC) {
            throw new CorruptImageException(what, position, "bad magic " + Be.magicText(Be.u32(b, 0)));
        }
        if (ctx.v5) {
            ctx.checksums.verify(b, 0, b.length, CRC_OFFSET, what, position);
        }
        Agf agf = new Agf(Be.u32(b, 0x08), Be.u32(b, 0x0C), Be.u32(b, 0x30), Be.u32(b, 0x34), Be.u32(b, 0x38),
                Be.u32(b, 0x3C), ctx.v5 ? Be.u32(b, 0x50) : 0);
        if (agf.seqno != agno || agf.length != ctx.geo.agLength(agno) || agf.freeBlocks > agf.length
                || agf.flCount > agf.length || agf.btreeBlocks > agf.length) {
            throw new CorruptImageException(what, position, "inconsistent header (AG " + agf.seqno + ", length "
                    + agf.length + ", free " + agf.freeBlocks + ", free list " + agf.flCount + ")");
        }
        return agf;
    }
}
