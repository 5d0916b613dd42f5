package dev.platter.inspect.xfs;

import dev.platter.inspect.fs.StatFs;

import java.io.IOException;
import java.math.BigInteger;

/**
 * The numbers Linux's XFS statfs reports for a read-only mount (no reserve pool, no per-AG reservations), which is
 * what virt-df prints:
 * <pre>
 * f_blocks = dblocks - internal log blocks
 * f_bfree  = f_bavail = fdblocks - 8 per AG (AGFL refill + bmap split set-aside) - free-space btree blocks
 * f_files  = max(min(icount + (f_bfree in inodes), maxicount), sb_icount);  f_ffree = f_files - (icount - ifree)
 * </pre>
 * The free-block and inode counters come from the superblock after a clean unmount; with a dirty log (lazy counters
 * not written back) Linux recomputes them from every AG's headers at mount, and so does this class. The free-space
 * btree blocks beyond the roots (agf_btreeblks, less the rmap btree's) count once Linux has read an AG's AGF: at
 * mount it reads every AGF when it recomputes the counters, and also when it sets up the temporary per-AG
 * reservations around log recovery, which exist only with finobt, reflink or rmapbt (verified with Linux 6.1: a
 * fresh read-only mount subtracts them on such a v5 filesystem, not on a v4 one).
 */
final class XfsStatFs {
    private static final int SET_ASIDE_PER_AG = 8;
    private static final int INODES_PER_CHUNK = 64;
    private static final int NAME_MAX = 255;

    private XfsStatFs() {
    }

    static StatFs compute(XfsContext ctx, boolean countersFromAgs) throws IOException {
        return compute(ctx, countersFromAgs, 0, UnlinkedInodes.Effect.NONE, 0);
    }

    /**
     * @param cowLeftovers blocks of copy-on-write staging extents a crash left, which the kernel frees at mount
     *                     (only after a replayed log)
     * @param unlinked     what freeing the inodes on the unlinked lists changes, which the kernel's mount does
     * @param intentFrees  blocks of the unfinished extent-free intents of a replayed log, which the kernel's mount
     *                     frees
     */
    static StatFs compute(XfsContext ctx, boolean countersFromAgs, long cowLeftovers, UnlinkedInodes.Effect unlinked,
                          long intentFrees) throws IOException {
        Superblock sb = ctx.sb;
        Geometry geo = ctx.geo;
        long blocks = sb.dblocks() - (sb.hasInternalLog() ? sb.logBlocks() : 0);
        long agFree = 0;
        long agInodes = 0;
        long agFreeInodes = 0;
        long allocbt = 0;
        for (long agno = 0; agno < geo.agCount; agno++) {
            long agStart = geo.agStart(agno);
            byte[] f = ctx.reader.read(agStart + sb.sectSize(), sb.sectSize(), "xfs AGF " + agno);
            Agf agf = Agf.parse(f, agno, agStart + sb.sectSize(), ctx);
            agFree += agf.freeBlocks() + agf.flCount() + agf.btreeBlocks();
            allocbt += agf.btreeBlocks() - (sb.hasRmapBt() ? Math.max(0, agf.rmapBlocks() - 1) : 0);
            if (countersFromAgs) {
                byte[] i = ctx.reader.read(agStart + 2L * sb.sectSize(), sb.sectSize(), "xfs AGI " + agno);
                Agi agi = Agi.parse(i, agno, agStart + 2L * sb.sectSize(), ctx);
                agInodes += agi.count();
                agFreeInodes += agi.freeCount();
            }
        }
        boolean fromAgs = countersFromAgs && sb.hasLazySbCount();
        if (!countersFromAgs && !sb.hasPerAgReservations()) {
            allocbt = 0; // Linux read no AGF at mount: none of their btree blocks are counted yet
        }
        long fdblocks = (fromAgs ? agFree : sb.fdblocks()) + cowLeftovers + unlinked.freedBlocks() + intentFrees;
        long icount = (fromAgs ? agInodes : sb.icount()) + unlinked.icountDelta();
        long ifree = (fromAgs ? agFreeInodes : sb.ifree()) + unlinked.ifreeDelta();
        // The log's blocks are never free: a damaged counter must not report more free blocks than f_blocks.
        fdblocks = clamp(fdblocks, Math.max(0, blocks));
        icount = Math.max(0, icount);
        ifree = clamp(ifree, icount);
        long bfree = Math.max(0, fdblocks - SET_ASIDE_PER_AG * geo.agCount - Math.max(0, allocbt));

        long maxInodes = Long.MAX_VALUE;
        if (sb.imaxPct() != 0) {
            long chunkBlocks = Math.max(1, INODES_PER_CHUNK / sb.inopBlock());
            BigInteger pct = BigInteger.valueOf(sb.dblocks()).multiply(BigInteger.valueOf(sb.imaxPct()))
                    .divide(BigInteger.valueOf(100)).divide(BigInteger.valueOf(chunkBlocks))
                    .multiply(BigInteger.valueOf(chunkBlocks)).shiftLeft(sb.inopbLog());
            maxInodes = pct.min(BigInteger.valueOf(Long.MAX_VALUE)).longValue();
        }
        long fakeInodes = bfree > (Long.MAX_VALUE >> sb.inopbLog()) ? Long.MAX_VALUE : bfree << sb.inopbLog();
        long files = Math.min(satAdd(icount, fakeInodes), maxInodes);
        files = Math.max(files, fromAgs ? agInodes : sb.icount()); // the in-core superblock's count, recomputed
        long ffree = Math.max(0, files - (icount - ifree));
        return new StatFs(sb.blockSize(), blocks, bfree, bfree, files, ffree, NAME_MAX);
    }

    private static long clamp(long v, long max) {
        return Math.max(0, Math.min(v, max));
    }

    private static long satAdd(long a, long b) {
        long s = a + b;
        return s < 0 ? Long.MAX_VALUE : s;
    }
}
