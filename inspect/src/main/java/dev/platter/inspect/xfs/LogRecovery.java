package dev.platter.inspect.xfs;

import dev.platter.core.CorruptImageException;
import dev.platter.core.UnsupportedFeatureException;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Log recovery in memory, as xlog_do_log_recovery does it: a first pass over the records from tail to head records
 * the cancelled buffers, a second replays every committed transaction in LSN order onto a {@link LogOverlay}:
 * buffer items (dirty 128-byte chunks; inode buffers only their next-unlinked pointers; v5 buffers skipped when the
 * disk already holds a newer object), inode items (the log dinode converted to the on-disk core, data and attribute
 * forks, v5 CRC recomputed), inode-create items (a new inode chunk initialised), with v5 buffers' LSN and CRC
 * stamped as their write verifiers would. Intent items are matched with their done items; a pending intent that
 * would change what a reader sees is refused by name, the others are reported. What the kernel's mount does after
 * recovery to the free-space figures is in {@link UnlinkedInodes} and {@link RefcountCowStaging}.
 */
final class LogRecovery {
    /** NULLAGINO. */
    private static final long NULL_AGINO = 0xFFFF_FFFFL;
    /** DI_MAX_FLUSH. */
    private static final int MAX_FLUSH = 0xFFFF;
    private static final int XFS_BMDR_HEADER = 4;

    /** What a replay did, for the report. */
    record Summary(int transactions, int buffers, int inodes, int icreates, int cancelled, int newerOnDisk,
                   int dquotsSkipped, long overlayBytes, List<String> pendingIntents, long pendingFreeBlocks) {
    }

    private final XfsContext ctx;
    private final XfsLog log;
    private final LogOverlay overlay;
    private final Geometry geo;
    private final Superblock sb;
    private final Map<Long, Integer> cancels = new HashMap<>();
    /** Buffers replayed since the last LSN change, waiting for their write verifier: daddr -> length in sectors. */
    private final Map<Long, Integer> dirty = new LinkedHashMap<>();
    private final Map<String, LogIntent> intents = new LinkedHashMap<>();
    private final Map<String, Long> intentBlocks = new HashMap<>();
    private long recoveryLsn = -1;
    private long stampLsn;
    private int transactions;
    private int buffers;
    private int inodes;
    private int icreates;
    private int cancelled;
    private int newer;
    private int dquots;

    private LogRecovery(XfsContext ctx, XfsLog log, LogOverlay overlay) {
        this.ctx = ctx;
        this.log = log;
        this.overlay = overlay;
        this.geo = ctx.geo;
        this.sb = ctx.sb;
    }

    /** Replays the dirty log of {@code verdict} onto {@code overlay}. */
    static Summary replay(XfsContext ctx, XfsLog log, XfsLog.Verdict verdict, LogOverlay overlay)
            throws IOException {
        LogRecovery r = new LogRecovery(ctx, log, overlay);
        long maxOpen = Math.min(1L << 30, Math.max(1L << 20, log.blocks * 512L));
        LogTransactions pass1 = new LogTransactions(log, maxOpen, r::pass1);
        log.walk(verdict.tail(), verdict.head(), false, pass1::record);
        LogTransactions pass2 = new LogTransactions(log, maxOpen, r::pass2);
        log.walk(verdict.tail(), verdict.head(), false, pass2::record);
        r.submit();
        return r.finish();
    }

    private String what(LogItem item) {
        return log.what(item.block);
    }

    private CorruptImageException corrupt(LogItem item, String problem) {
        return log.corrupt(item.block, problem);
    }

    private static long key(long blkno, int len) {
        return blkno * 131071L + len;
    }

    // ---- pass 1: cancelled buffers ----

    private void pass1(LogTransactions.Committed t) throws IOException {
        for (LogItem item : t.items()) {
            if (item.type() == LogItem.BUF) {
                LogBufFormat f = LogBufFormat.parse(item.region(0), log, item.block);
                if ((f.flags() & LogBufFormat.CANCEL) != 0) {
                    cancels.merge(key(f.blkno(), f.len()), 1, Integer::sum);
                }
            }
        }
    }

    private boolean isCancelled(long blkno, int len) {
        return cancels.containsKey(key(blkno, len));
    }

    // ---- pass 2: replay ----

    private void pass2(LogTransactions.Committed t) throws IOException {
        if (recoveryLsn != t.lsn()) {
            submit();
            recoveryLsn = t.lsn();
        }
        transactions++;
        // xlog_recover_reorder_trans: buffers and icreates first, then the other items, then inode unlink
        // buffers, then cancellations (the last two lists are built by insertion at the head).
        List<LogItem> buffersFirst = new ArrayList<>();
        List<LogItem> others = new ArrayList<>();
        List<LogItem> inodeBuffers = new ArrayList<>();
        List<LogItem> cancelList = new ArrayList<>();
        for (LogItem item : t.items()) {
            int type = item.type();
            if (type == LogItem.BUF) {
                LogBufFormat f = LogBufFormat.parse(item.region(0), log, item.block);
                if ((f.flags() & LogBufFormat.CANCEL) != 0) {
                    cancelList.add(0, item);
                } else if ((f.flags() & LogBufFormat.INODE_BUF) != 0) {
                    inodeBuffers.add(0, item);
                } else {
                    buffersFirst.add(item);
                }
            } else if (type == LogItem.ICREATE) {
                buffersFirst.add(item);
            } else {
                others.add(item);
            }
        }
        List<LogItem> ordered = new ArrayList<>(buffersFirst);
        ordered.addAll(others);
        ordered.addAll(inodeBuffers);
        ordered.addAll(cancelList);
        for (LogItem item : ordered) {
            replay(item, t.lsn());
        }
    }

    private void replay(LogItem item, long lsn) throws IOException {
        int type = item.type();
        switch (type) {
            case LogItem.BUF -> buffer(item, lsn);
            case LogItem.INODE -> inode(item, lsn);
            case LogItem.ICREATE -> icreate(item);
            case LogItem.DQUOT, LogItem.QUOTAOFF -> dquots++; // quotas are off in a plain mount: not replayed
            default -> {
                if (LogIntent.isIntent(type)) {
                    LogIntent i = LogIntent.parse(item, log);
                    String k = type + ":" + i.id();
                    intents.put(k, i);
                    intentBlocks.put(k, item.block);
                } else if (LogIntent.isDone(type)) {
                    LogIntent d = LogIntent.parse(item, log);
                    String k = LogIntent.intentOf(type) + ":" + d.doneId();
                    intents.remove(k);
                    intentBlocks.remove(k);
                } else {
                    throw corrupt(item, "unrecognised log item type " + LogItem.typeName(type));
                }
            }
        }
    }

    private long deviceSectors() {
        return geo.deviceBytes() / 512;
    }

    private void checkRange(LogItem item, String kind, long blkno, long len) throws CorruptImageException {
        if (blkno < 0 || len <= 0 || len > 128 || blkno > deviceSectors() - len) {
            throw corrupt(item, kind + " at daddr " + blkno + " of " + len
                    + " sectors lies outside the filesystem (" + deviceSectors() + " sectors) or exceeds 64 KiB");
        }
    }

    private void buffer(LogItem item, long lsn) throws IOException {
        LogBufFormat f = LogBufFormat.parse(item.region(0), log, item.block);
        checkRange(item, "buffer log item", f.blkno(), f.len());
        if ((f.flags() & LogBufFormat.CANCEL) != 0) {
            Integer n = cancels.get(key(f.blkno(), f.len()));
            if (n != null) {
                if (n <= 1) {
                    cancels.remove(key(f.blkno(), f.len()));
                } else {
                    cancels.put(key(f.blkno(), f.len()), n - 1);
                }
            }
            cancelled++;
            return;
        }
        if (isCancelled(f.blkno(), f.len())) {
            cancelled++;
            return;
        }
        String what = what(item) + ": buffer at daddr " + f.blkno();
        byte[] buf = overlay.read(f.blkno(), f.len(), what);
        if (ctx.v5) {
            long onDisk = LogBufferStamp.lsn(buf, sb);
            if (onDisk != 0 && onDisk != -1 && LogRecordHeader.compareLsn(onDisk, lsn) >= 0) {
                newer++;
                return;
            }
        }
        if ((f.flags() & LogBufFormat.INODE_BUF) != 0) {
            inodeBuffer(item, f, buf);
        } else if ((f.flags() & LogBufFormat.DQUOT_BUFS) != 0) {
            dquots++;
            return;
        } else {
            regular(item, f, buf);
            if (ctx.v5) {
                dirty.put(f.blkno(), f.len());
            }
        }
        overlay.write(f.blkno(), buf);
        buffers++;
    }

    /** xlog_recover_do_reg_buffer: each run of dirty chunks from the next region of the item. */
    private void regular(LogItem item, LogBufFormat f, byte[] buf) throws CorruptImageException {
        int bit = 0;
        int i = 1;
        while (true) {
            bit = f.nextBit(bit);
            if (bit < 0) {
                break;
            }
            int nbits = f.contigBits(bit);
            if (i >= item.regions.size()) {
                throw corrupt(item, "buffer item at daddr " + f.blkno() + " has fewer regions than dirty chunk runs");
            }
            byte[] r = item.region(i);
            if (r.length < nbits * LogBufFormat.CHUNK) {
                nbits = r.length / LogBufFormat.CHUNK;
            }
            long end = (long) (bit + nbits) * LogBufFormat.CHUNK;
            if (end > buf.length) {
                throw corrupt(item, "buffer item at daddr " + f.blkno() + " logs bytes up to " + end
                        + " of a " + buf.length + "-byte buffer");
            }
            System.arraycopy(r, 0, buf, bit * LogBufFormat.CHUNK, nbits * LogBufFormat.CHUNK);
            i++;
            bit += Math.max(1, nbits);
        }
    }

    /** xlog_recover_do_inode_buffer: only the di_next_unlinked fields, each inode's CRC then recomputed. */
    private void inodeBuffer(LogItem item, LogBufFormat f, byte[] buf) throws CorruptImageException {
        int isize = sb.inodeSize();
        int perBuf = buf.length / isize;
        int itemIndex = 0;
        int bit = 0;
        int nbits = 0;
        int regOff = 0;
        int regBytes = 0;
        for (int i = 0; i < perBuf; i++) {
            int nextOff = i * isize + 96;
            while (nextOff >= regOff + regBytes) {
                bit += nbits;
                bit = f.nextBit(bit);
                if (bit < 0) {
                    return;
                }
                nbits = f.contigBits(bit);
                regOff = bit * LogBufFormat.CHUNK;
                regBytes = nbits * LogBufFormat.CHUNK;
                itemIndex++;
            }
            if (nextOff < regOff) {
                continue;
            }
            if (itemIndex >= item.regions.size() || nextOff - regOff + 4 > item.region(itemIndex).length
                    || regOff + regBytes > buf.length) {
                throw corrupt(item, "inode buffer item at daddr " + f.blkno() + " lacks the region of inode " + i);
            }
            byte[] r = item.region(itemIndex);
            int at = nextOff - regOff;
            if (r[at] == 0 && r[at + 1] == 0 && r[at + 2] == 0 && r[at + 3] == 0) {
                throw corrupt(item, "inode buffer item at daddr " + f.blkno()
                        + " replays a next-unlinked pointer of 0");
            }
            System.arraycopy(r, at, buf, nextOff, 4);
            if (ctx.v5) {
                LogBufferStamp.putCrc(buf, i * isize, isize, InodeCore.CRC_OFFSET);
            }
        }
    }

    private void inode(LogItem item, long lsn) throws IOException {
        LogInodeFormat f = LogInodeFormat.parse(item.region(0), log, item.block);
        String what = "inode " + Long.toUnsignedString(f.ino()) + " in " + what(item);
        if (item.regions.size() < 2 || f.size() < 2 || f.size() > 4) {
            throw corrupt(item, what + ": " + item.regions.size() + " regions");
        }
        checkRange(item, "inode buffer of " + what, f.blkno(), f.len());
        int isize = sb.inodeSize();
        if (f.boffset() < 0 || (long) f.boffset() + isize > f.len() * 512L) {
            throw corrupt(item, what + " at offset " + f.boffset() + " lies outside its " + f.len()
                    + "-sector buffer");
        }
        long expected = geo.inodeByte(f.ino());
        if (expected != f.blkno() * 512 + f.boffset()) {
            throw corrupt(item, what + " is logged at byte " + (f.blkno() * 512 + f.boffset())
                    + " but that inode lives at byte " + expected);
        }
        if (isCancelled(f.blkno(), f.len())) {
            cancelled++;
            return;
        }
        if ((f.fields() & LogInodeFormat.CORE) == 0) {
            throw corrupt(item, what + " is logged without its core");
        }
        byte[] buf = overlay.read(f.blkno(), f.len(), what);
        int d = f.boffset();
        if (Be.u16(buf, d) != InodeCore.MAGIC) {
            throw corrupt(item, what + ": the inode to replay over has bad magic 0x"
                    + Integer.toHexString(Be.u16(buf, d)));
        }
        byte[] l = item.region(1).clone();
        boolean v3fs = sb.isV5();
        if (LogDinode.magic(l) != InodeCore.MAGIC || l.length < (v3fs ? LogDinode.V3_SIZE : LogDinode.V2_SIZE)
                || l.length > isize) {
            throw corrupt(item, what + ": bad log dinode (magic 0x" + Integer.toHexString(LogDinode.magic(l))
                    + ", " + l.length + " bytes)");
        }
        if ((f.fields() & (LogInodeFormat.DOWNER | LogInodeFormat.AOWNER)) != 0) {
            throw new UnsupportedFeatureException("xfs log inode owner change", what
                    + " changes the owner of its bmap btree blocks (an extent swap); that is not replayed");
        }
        if (Be.u8(buf, d + 4) >= 3) {
            long diskLsn = Be.u64(buf, d + 112);
            if (diskLsn != 0 && diskLsn != -1 && LogRecordHeader.compareLsn(diskLsn, lsn) > 0) {
                newer++;
                return;
            }
        }
        if (!v3fs && LogDinode.flushIter(l) < Be.u16(buf, d + 30)) {
            if (!(Be.u16(buf, d + 30) == MAX_FLUSH && LogDinode.flushIter(l) < (MAX_FLUSH >> 1))) {
                newer++;
                return;
            }
        }
        l[30] = 0;
        l[31] = 0;
        int mode = LogDinode.mode(l) & 0xF000;
        int fmt = LogDinode.format(l);
        if (mode == 0x8000 && fmt != InodeCore.FMT_EXTENTS && fmt != InodeCore.FMT_BTREE
                || mode == 0x4000 && fmt != InodeCore.FMT_EXTENTS && fmt != InodeCore.FMT_BTREE
                && fmt != InodeCore.FMT_LOCAL) {
            throw corrupt(item, what + ": data fork format " + fmt + " for mode 0" + Integer.toOctalString(mode));
        }
        boolean fsNrext64 = (sb.featuresIncompat() & Superblock.INCOMPAT_NREXT64) != 0;
        if (LogDinode.nrext64(l) ? !fsNrext64 || Le.u16(l, 80) != 0
                : LogDinode.version(l) >= 3 && Le.u64(l, 24) != 0) {
            throw corrupt(item, what + ": bad extent count format");
        }
        long extents = LogDinode.dataExtents(l) + LogDinode.attrExtents(l);
        if (LogDinode.dataExtents(l) < 0 || extents < 0 || Long.compareUnsigned(extents, LogDinode.nblocks(l)) > 0) {
            throw corrupt(item, what + ": " + LogDinode.dataExtents(l) + " + " + LogDinode.attrExtents(l)
                    + " extents in " + LogDinode.nblocks(l) + " blocks");
        }
        int core = LogDinode.version(l) >= 3 ? InodeCore.V3_SIZE : InodeCore.V2_SIZE;
        if ((v3fs ? LogDinode.version(l) != 3 : LogDinode.version(l) != 1 && LogDinode.version(l) != 2)) {
            throw corrupt(item, what + ": log dinode version " + LogDinode.version(l));
        }
        int literal = isize - core;
        int forkOff = LogDinode.forkOff(l) * 8;
        if (forkOff >= literal) {
            throw corrupt(item, what + ": attribute fork offset " + forkOff + " past the literal area (" + literal
                    + " bytes)");
        }
        LogDinode.toDisk(l, buf, d, lsn);
        int dptr = d + core;
        int dsize = forkOff != 0 ? forkOff : literal;
        int aptr = dptr + forkOff;
        int asize = forkOff != 0 ? literal - forkOff : 0;
        long fields = f.fields();
        if ((fields & LogInodeFormat.DEV) != 0) {
            LogDinode.be32(buf, dptr, f.rdev());
        }
        if (f.size() > 2) {
            int next = 2;
            if ((fields & LogInodeFormat.DFORK) != 0) {
                byte[] src = region(item, next++, what);
                long df = fields & LogInodeFormat.DFORK;
                if (df == LogInodeFormat.DDATA || df == LogInodeFormat.DEXT) {
                    copyFork(item, what, "data", src, buf, dptr, dsize);
                } else if (df == LogInodeFormat.DBROOT) {
                    bmbtToBmdr(item, what, src, buf, dptr, dsize);
                } else {
                    throw corrupt(item, what + ": data fork fields 0x" + Long.toHexString(df));
                }
            }
            if ((fields & LogInodeFormat.AFORK) != 0) {
                byte[] src = region(item, next, what);
                long af = fields & LogInodeFormat.AFORK;
                if (af == LogInodeFormat.ADATA || af == LogInodeFormat.AEXT) {
                    copyFork(item, what, "attribute", src, buf, aptr, asize);
                } else if (af == LogInodeFormat.ABROOT) {
                    bmbtToBmdr(item, what, src, buf, aptr, asize);
                } else {
                    throw corrupt(item, what + ": attribute fork fields 0x" + Long.toHexString(af));
                }
            }
        }
        if (v3fs) {
            LogBufferStamp.putCrc(buf, d, isize, InodeCore.CRC_OFFSET);
        }
        overlay.write(f.blkno(), buf);
        inodes++;
    }

    private byte[] region(LogItem item, int i, String what) throws CorruptImageException {
        if (i >= item.regions.size()) {
            throw corrupt(item, what + ": fork region " + i + " missing");
        }
        return item.region(i);
    }

    private void copyFork(LogItem item, String what, String fork, byte[] src, byte[] buf, int at, int size)
            throws CorruptImageException {
        if (src.length > size) {
            throw corrupt(item, what + ": " + src.length + " bytes of " + fork + " fork for a " + size
                    + "-byte fork");
        }
        System.arraycopy(src, 0, buf, at, src.length);
    }

    /** xfs_bmbt_to_bmdr: the in-memory bmap btree root (a long btree block) to the inode's compact root. */
    private void bmbtToBmdr(LogItem item, String what, byte[] src, byte[] buf, int at, int size)
            throws CorruptImageException {
        int hdr = ctx.v5 ? 72 : 24;
        if (src.length < hdr || size < XFS_BMDR_HEADER + 16) {
            throw corrupt(item, what + ": btree root of " + src.length + " bytes");
        }
        int level = Be.u16(src, 4);
        int numrecs = Be.u16(src, 6);
        int rmax = (src.length - hdr) / 16;
        int dmax = (size - XFS_BMDR_HEADER) / 16;
        if (level == 0 || numrecs > rmax || numrecs > dmax) {
            throw corrupt(item, what + ": btree root of level " + level + " with " + numrecs + " records");
        }
        buf[at] = (byte) (level >>> 8);
        buf[at + 1] = (byte) level;
        buf[at + 2] = (byte) (numrecs >>> 8);
        buf[at + 3] = (byte) numrecs;
        System.arraycopy(src, hdr, buf, at + XFS_BMDR_HEADER, numrecs * 8);
        System.arraycopy(src, hdr + rmax * 8, buf, at + XFS_BMDR_HEADER + dmax * 8, numrecs * 8);
    }

    private void icreate(LogItem item) throws IOException {
        LogIcreate c = LogIcreate.parse(item.region(0), log, item.block);
        String what = "icreate item in " + what(item);
        long inopb = sb.inopBlock();
        long iallocInos = Math.max(64, inopb);
        long iallocBlks = iallocInos >> sb.inopbLog();
        boolean sparse = (sb.featuresIncompat() & Superblock.INCOMPAT_SPINODES) != 0;
        long minBlks = sparse ? sb.spinoAlign() : iallocBlks;
        if (c.ag() >= sb.agCount() || c.agbno() == 0 || c.agbno() >= geo.agLength(c.ag())
                || c.isize() != sb.inodeSize() || c.count() == 0 || c.length() == 0
                || c.length() >= sb.agBlocks() || (c.length() != iallocBlks && c.length() != minBlks)
                || (c.count() >> sb.inopbLog()) != c.length() || c.agbno() + c.length() > geo.agLength(c.ag())) {
            throw corrupt(item, what + ": AG " + c.ag() + " block " + c.agbno() + ", " + c.count() + " inodes of "
                    + c.isize() + " bytes in " + c.length() + " blocks does not fit this filesystem");
        }
        long clusterRaw = 8192;
        if (sb.isV5()) {
            long size = 8192L * (sb.inodeSize() / 256);
            if (sb.inoAlignMt() >= (size >> geo.blockLog)) {
                clusterRaw = size;
            }
        }
        long perCluster = Math.max(1, clusterRaw >> geo.blockLog);
        long bbPerCluster = perCluster << (geo.blockLog - 9);
        long nbufs = c.length() / perCluster;
        long agStartSector = geo.agStart(c.ag()) / 512;
        int cancelledBufs = 0;
        for (long i = 0; i < nbufs; i++) {
            long daddr = agStartSector + ((c.agbno() + i * perCluster) << (geo.blockLog - 9));
            if (isCancelled(daddr, (int) bbPerCluster)) {
                cancelledBufs++;
            }
        }
        if (cancelledBufs > 0) {
            cancelled++;
            return;
        }
        int isize = sb.inodeSize();
        long agStartByte = geo.agStart(c.ag());
        for (long blk = 0; blk < c.length(); blk++) {
            long agbno = c.agbno() + blk;
            byte[] b = new byte[geo.blockSize];
            for (int slot = 0; slot < inopb; slot++) {
                int off = slot * isize;
                b[off] = 0x49;
                b[off + 1] = 0x4e;
                b[off + 4] = (byte) (sb.isV5() ? 3 : 2);
                LogDinode.be32(b, off + 92, c.gen());
                LogDinode.be32(b, off + 96, NULL_AGINO);
                if (sb.isV5()) {
                    long ino = (c.ag() << (sb.agBlkLog() + sb.inopbLog())) | (agbno << sb.inopbLog()) | slot;
                    LogDinode.be64(b, off + 152, ino);
                    System.arraycopy(sb.metadataUuid(), 0, b, off + 160, 16);
                    LogBufferStamp.putCrc(b, off, isize, InodeCore.CRC_OFFSET);
                }
            }
            overlay.write((agStartByte + (agbno << geo.blockLog)) / 512, b);
        }
        icreates++;
    }

    /** The write verifiers of the buffers replayed under the last LSN: their LSN and CRC (v5). */
    private void submit() throws IOException {
        for (Map.Entry<Long, Integer> e : dirty.entrySet()) {
            byte[] b = overlay.read(e.getKey(), e.getValue(), "xfs log replayed buffer at daddr " + e.getKey());
            if (LogBufferStamp.isDirectoryMagic(b) && b.length < geo.dirBlockSize) {
                throw new UnsupportedFeatureException("xfs log discontiguous directory buffer", "the log holds part of"
                        + " a directory block at daddr " + e.getKey() + " (" + b.length + " of " + geo.dirBlockSize
                        + " bytes), whose checksum covers pieces elsewhere; that is not replayed");
            }
            if (LogBufferStamp.stamp(b, recoveryLsn, geo.blockSize)) {
                overlay.write(e.getKey(), b);
            }
        }
        dirty.clear();
    }

    private Summary finish() throws IOException {
        List<String> pending = new ArrayList<>();
        long freed = 0;
        // A pending refcount intent may itself end in freeing blocks an EFI names (a CoW extent being cancelled):
        // then the EFIs are only reported, so nothing is counted free twice.
        boolean refcountPending = intents.values().stream()
                .anyMatch(i -> i.type() == LogItem.CUI || i.type() == LogItem.CUI_RT);
        for (Map.Entry<String, LogIntent> e : intents.entrySet()) {
            LogIntent i = e.getValue();
            long block = intentBlocks.get(e.getKey());
            switch (i.type()) {
                case LogItem.BUI, LogItem.ATTRI, LogItem.XMI -> throw new UnsupportedFeatureException(
                        "xfs log intent " + LogItem.typeName(i.type()), log.what(block) + ": an unfinished "
                        + LogItem.typeName(i.type()) + " (id 0x" + Long.toHexString(i.id()) + ") would change file "
                        + "contents or attributes when the kernel finishes it; finishing intents is not done here");
                case LogItem.EFI -> {
                    if (refcountPending) {
                        pending.add("an unfinished " + LogItem.typeName(i.type()) + " at " + log.what(block)
                                + " frees " + i.blocks() + " blocks in " + i.extents() + " extents when the kernel"
                                + " finishes it (with a refcount intent pending too, free space figures here count"
                                + " them as used)");
                    } else {
                        // The kernel's mount finishes it: the extents go back to the free space (xfs_free_extent).
                        freed += i.blocks();
                        pending.add("an unfinished " + LogItem.typeName(i.type()) + " at " + log.what(block)
                                + " frees " + i.blocks() + " blocks in " + i.extents() + " extents, which the"
                                + " kernel does when it mounts: free space here counts them as freed");
                    }
                }
                case LogItem.EFI_RT -> pending.add("an unfinished " + LogItem.typeName(i.type())
                        + " at " + log.what(block) + " frees " + i.blocks() + " blocks in " + i.extents()
                        + " extents when the kernel finishes it (free space figures here count them as used)");
                default -> pending.add("an unfinished " + LogItem.typeName(i.type()) + " at " + log.what(block)
                        + " updates free-space metadata only when the kernel finishes it");
            }
        }
        return new Summary(transactions, buffers, inodes, icreates, cancelled, newer, dquots, overlay.bytes(),
                pending, freed);
    }
}
