package dev.platter.inspect.xfs;

import dev.platter.core.CorruptImageException;

import java.io.IOException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The inodes a crash left on the AGI unlinked lists (xfs_agi.agi_unlinked: files removed while still open, or
 * removed just before the crash and not yet freed), and what the kernel's mount does to the free-space figures when
 * it frees them after recovery (xlog_recover_process_iunlinks, then inactivation): every block the inode holds
 * (di_nblocks: data, attribute and bmap btree blocks) becomes free, the inode becomes free in its inode btree record
 * (xfs_inobt_rec), and a chunk left with no inode in use is removed, its inodes no longer counted and its blocks
 * freed (the kernel keeps chunks only when mounted with ikeep, or when a block holds more than one chunk).
 *
 * <p>Inodes whose blocks may be shared (reflink) or live on the realtime device, or whose inode btree record cannot
 * be found, make the result inexact: it is then reported, not applied.
 */
final class UnlinkedInodes {
    private static final long NULL_AGINO = 0xFFFF_FFFFL;
    private static final long FLAG2_REFLINK = 0x2;
    private static final int INODES_PER_CHUNK = 64;
    private static final int MAX_LEVELS = 16;

    /** What freeing them changes: counts to add to the free blocks, the inode count and the free inode count. */
    record Effect(long inodes, long freedBlocks, long icountDelta, long ifreeDelta, boolean exact) {
        static final Effect NONE = new Effect(0, 0, 0, 0, true);
    }

    private final XfsContext ctx;
    private final Superblock sb;
    private final Geometry geo;
    /** ir_free masks and free counts as freeing proceeds, keyed by AG and chunk start. */
    private final Map<String, long[]> records = new HashMap<>();

    private UnlinkedInodes(XfsContext ctx) {
        this.ctx = ctx;
        this.sb = ctx.sb;
        this.geo = ctx.geo;
    }

    static Effect effect(XfsContext ctx) throws IOException {
        return new UnlinkedInodes(ctx).compute();
    }

    private Effect compute() throws IOException {
        long inodes = 0;
        long blocks = 0;
        long icount = 0;
        long ifree = 0;
        boolean exact = true;
        int sect = sb.sectSize();
        for (long agno = 0; agno < geo.agCount; agno++) {
            long agiPos = geo.agStart(agno) + 2L * sect;
            byte[] agi = ctx.reader.read(agiPos, sect, "xfs AGI " + agno);
            Agi.parse(agi, agno, agiPos, ctx);
            long limit = Math.min(Be.u32(agi, 0x10), 1 << 20);
            Set<Long> seen = new HashSet<>();
            for (int bucket = 0; bucket < 64; bucket++) {
                long agino = Be.u32(agi, 40 + 4 * bucket);
                while (agino != NULL_AGINO) {
                    if (!seen.add(agino) || seen.size() > limit) {
                        throw new CorruptImageException("xfs AGI " + agno, agiPos, "unlinked list of bucket " + bucket
                                + " loops or is longer than the AG's " + limit + " inodes");
                    }
                    long ino = (agno << (sb.agBlkLog() + sb.inopbLog())) | agino;
                    long pos = geo.inodeByte(ino);
                    byte[] b = ctx.reader.read(pos, sb.inodeSize(), "xfs inode " + ino);
                    if (Be.u16(b, 0) != InodeCore.MAGIC || Be.u16(b, 2) == 0) {
                        exact = false;
                        break;
                    }
                    inodes++;
                    long flags2 = Be.u8(b, 4) >= 3 ? Be.u64(b, 120) : 0;
                    if ((Be.u16(b, 90) & InodeCore.FLAG_REALTIME) != 0 || (flags2 & FLAG2_REFLINK) != 0) {
                        exact = false;
                    }
                    blocks += Be.u64(b, 64);
                    long[] freed = free(agno, agino, agi);
                    if (freed == null) {
                        exact = false;
                    } else {
                        icount += freed[0];
                        ifree += freed[1];
                        blocks += freed[2];
                    }
                    agino = Be.u32(b, 96);
                }
            }
        }
        return inodes == 0 ? Effect.NONE : new Effect(inodes, blocks, icount, ifree, exact);
    }

    /**
     * xfs_difree_inobt on the inode btree record of {@code agino}: {icount delta, ifree delta, blocks freed}, or
     * null when the record is not found.
     */
    private long[] free(long agno, long agino, byte[] agi) throws IOException {
        long[] rec = record(agno, agino, agi);
        if (rec == null) {
            return null;
        }
        int off = (int) (agino - rec[0]);
        if ((rec[1] & (1L << off)) != 0) {
            return null; // already free in the btree: not what an unlinked inode looks like
        }
        rec[1] |= 1L << off;
        rec[2]++;
        if (rec[1] == -1L && sb.inopBlock() <= INODES_PER_CHUNK) {
            long ilen = rec[2];
            long chunkBlocks = (rec[3] << sb.inodeLog()) >> geo.blockLog;
            records.remove(agno + ":" + rec[0]);
            return new long[] {-ilen, -(ilen - 1), chunkBlocks};
        }
        return new long[] {0, 1, 0};
    }

    /** {startino, free mask, free count, inode count} of the inode btree record holding {@code agino}. */
    private long[] record(long agno, long agino, byte[] agi) throws IOException {
        for (long[] r : records.values()) {
            if (r[4] == agno && agino >= r[0] && agino < r[0] + INODES_PER_CHUNK) {
                return r;
            }
        }
        long root = Be.u32(agi, 0x14);
        long level = Be.u32(agi, 0x18);
        String what = "xfs inode btree of AG " + agno;
        if (level == 0 || level > MAX_LEVELS || root == 0 || root >= geo.agLength(agno)) {
            throw new CorruptImageException(what, -1, "root " + root + " at level " + level);
        }
        int hdr = sb.isV5() ? 56 : 16;
        boolean sparse = (sb.featuresIncompat() & Superblock.INCOMPAT_SPINODES) != 0;
        long agbno = root;
        for (long l = level - 1; l >= 0; l--) {
            long pos = geo.agStart(agno) + (agbno << geo.blockLog);
            byte[] b = ctx.reader.readCached(pos, geo.blockSize, what);
            int magic = Be.s32(b, 0);
            if ((magic != 0x49414233 && magic != 0x49414254) || Be.u16(b, 4) != l) {
                throw new CorruptImageException(what, pos, "expected a level " + l + " inode btree block, found "
                        + Be.magicText(Be.u32(b, 0)));
            }
            if (sb.isV5()) {
                ctx.checksums.verify(b, 0, b.length, 52, what, pos);
            }
            int n = Be.u16(b, 6);
            if (l == 0) {
                if (hdr + 16L * n > b.length) {
                    throw new CorruptImageException(what, pos, "leaf claims " + n + " records");
                }
                for (int i = 0; i < n; i++) {
                    int off = hdr + 16 * i;
                    long start = Be.u32(b, off);
                    if (agino >= start && agino < start + INODES_PER_CHUNK) {
                        long count = sparse ? Be.u8(b, off + 6) : INODES_PER_CHUNK;
                        long freecount = sparse ? Be.u8(b, off + 7) : Be.u32(b, off + 4);
                        long[] r = {start, Be.u64(b, off + 8), freecount, count, agno};
                        records.put(agno + ":" + start, r);
                        return r;
                    }
                }
                return null;
            }
            int maxrecs = (geo.blockSize - hdr) / 8;
            if (n == 0 || n > maxrecs) {
                throw new CorruptImageException(what, pos, "node claims " + n + " keys");
            }
            int child = 0;
            for (int i = 0; i < n && Be.u32(b, hdr + 4 * i) <= agino; i++) {
                child = i;
            }
            agbno = Be.u32(b, hdr + 4 * maxrecs + 4 * child);
            if (agbno >= geo.agLength(agno)) {
                throw new CorruptImageException(what, pos, "pointer to block " + agbno + " outside the AG");
            }
        }
        return null;
    }
}
