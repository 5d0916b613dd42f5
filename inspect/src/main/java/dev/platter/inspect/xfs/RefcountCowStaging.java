package dev.platter.inspect.xfs;

import dev.platter.core.CorruptImageException;

import java.io.IOException;

/**
 * The copy-on-write staging extents a crash leaves in the reference-count btree (xfs_refcount_rec with
 * XFS_REFC_COWFLAG in rc_startblock, in short-form btree blocks "R3FC"): blocks preallocated for copy-on-write that
 * were never remapped into a file. The kernel frees them when it mounts a reflink filesystem after a crash
 * (xfs_reflink_recover_cow), so its free-space figures count them as free; this class finds how many there are.
 */
final class RefcountCowStaging {
    static final int MAGIC = 0x52334643; // R3FC
    private static final int HEADER = 56;
    private static final int CRC_OFFSET = 52;
    private static final long COW_FLAG = 1L << 31;
    private static final int MAX_LEVELS = 16;

    private RefcountCowStaging() {
    }

    /** Blocks in CoW staging extents in every AG's refcount btree; 0 without reflink. */
    static long blocks(XfsContext ctx) throws IOException {
        Superblock sb = ctx.sb;
        if (!sb.isV5() || (sb.featuresRoCompat() & Superblock.RO_COMPAT_REFLINK) == 0) {
            return 0;
        }
        long total = 0;
        for (long agno = 0; agno < ctx.geo.agCount; agno++) {
            long agfPos = ctx.geo.agStart(agno) + sb.sectSize();
            byte[] agf = ctx.reader.read(agfPos, sb.sectSize(), "xfs AGF " + agno);
            Agf.parse(agf, agno, agfPos, ctx);
            long root = Be.u32(agf, 88);
            long level = Be.u32(agf, 92);
            total += ag(ctx, agno, root, level);
        }
        return total;
    }

    private static long ag(XfsContext ctx, long agno, long root, long level) throws IOException {
        Geometry geo = ctx.geo;
        String what = "xfs refcount btree of AG " + agno;
        if (level == 0 || level > MAX_LEVELS || root == 0 || root >= geo.agLength(agno)) {
            throw new CorruptImageException(what, -1, "root " + root + " at level " + level);
        }
        long agbno = root;
        for (long l = level - 1; ; l--) {
            byte[] b = block(ctx, agno, agbno, l, what);
            if (l == 0) {
                break;
            }
            int maxrecs = (geo.blockSize - HEADER) / 8;
            agbno = Be.u32(b, HEADER + maxrecs * 4);
        }
        long sum = 0;
        for (long hops = 0; hops <= geo.agLength(agno) && agbno != 0xFFFF_FFFFL; hops++) {
            byte[] b = block(ctx, agno, agbno, 0, what);
            int n = Be.u16(b, 6);
            if (HEADER + 12L * n > b.length) {
                throw new CorruptImageException(what, -1, "leaf at block " + agbno + " claims " + n + " records");
            }
            for (int i = 0; i < n; i++) {
                int off = HEADER + 12 * i;
                if ((Be.u32(b, off) & COW_FLAG) != 0) {
                    sum += Be.u32(b, off + 4);
                }
            }
            agbno = Be.u32(b, 12);
        }
        return sum;
    }

    private static byte[] block(XfsContext ctx, long agno, long agbno, long level, String what) throws IOException {
        if (agbno >= ctx.geo.agLength(agno)) {
            throw new CorruptImageException(what, -1, "block " + agbno + " outside AG " + agno);
        }
        long pos = ctx.geo.agStart(agno) + (agbno << ctx.geo.blockLog);
        byte[] b = ctx.reader.readCached(pos, ctx.geo.blockSize, what);
        if (Be.s32(b, 0) != MAGIC || Be.u16(b, 4) != level) {
            throw new CorruptImageException(what, pos, "expected a level " + level + " block (R3FC), found "
                    + Be.magicText(Be.u32(b, 0)) + " at level " + Be.u16(b, 4));
        }
        ctx.checksums.verify(b, 0, b.length, CRC_OFFSET, what, pos);
        return b;
    }
}
