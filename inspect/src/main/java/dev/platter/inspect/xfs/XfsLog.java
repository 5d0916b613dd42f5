package dev.platter.inspect.xfs;

import dev.platter.core.CorruptImageException;
import dev.platter.core.UnsupportedFeatureException;

import java.io.IOException;
import java.util.Arrays;

/**
 * The internal log as a ring of 512-byte basic blocks: finds its head and tail as the kernel's log mount does
 * (xlog_find_head, xlog_find_tail: cycle numbers stamped on every block, a binary search for where the cycle drops,
 * checks over the blocks the in-core logs could have been writing, a walk back to the last complete record), tells
 * a clean log (a lone unmount record at the head) from a dirty one, trims torn writes at the head and an overwritten
 * tail by record CRCs (xlog_verify_head, xlog_verify_tail), and walks the records from tail to head for recovery.
 */
final class XfsLog {
    /** XLOG_MAX_ICLOGS: in-core log buffers, so records that may have been in flight at a crash. */
    static final int MAX_ICLOGS = 8;
    private static final long HIT_BEGINNING = -2;

    enum State { CLEAN, DIRTY, EXTERNAL, UNKNOWN }

    /**
     * What the log mount found: the state, a description, and for a dirty log the blocks to replay, {@code tail}
     * (inclusive) to {@code head} (exclusive), around the end of the ring when {@code tail > head}.
     */
    record Verdict(State state, String detail, long head, long tail) {
        Verdict(State state, String detail) {
            this(state, detail, -1, -1);
        }
    }

    /** Receives each record of a walk, its data unpacked (the cycle-stamped words restored). */
    interface RecordVisitor {
        void record(long block, LogRecordHeader header, byte[] data) throws IOException;
    }

    final XfsContext ctx;
    final long start;
    final long blocks;
    private final boolean v2;
    /** XLOG_TOTAL_REC_SHIFT and XLOG_REC_SHIFT: blocks all in-core logs, and one record, can span. */
    private final long totalRecShift;
    private final long recShift;

    XfsLog(XfsContext ctx) throws CorruptImageException {
        this.ctx = ctx;
        Superblock sb = ctx.sb;
        this.start = ctx.geo.fsbToByte(sb.logStart(), sb.logBlocks(), "xfs log");
        this.blocks = (sb.logBlocks() << ctx.geo.blockLog) / LogRecordHeader.BLOCK;
        this.v2 = sb.isV5() || (sb.versionNum() & Superblock.VERSION_LOGV2BIT) != 0;
        this.totalRecShift = (long) MAX_ICLOGS * (v2 ? LogRecordHeader.MAX_RECORD_SIZE : 32 * 1024) / 512;
        this.recShift = (v2 ? LogRecordHeader.MAX_RECORD_SIZE : 32 * 1024) / 512;
    }

    static Verdict inspect(XfsContext ctx) {
        if (!ctx.sb.hasInternalLog()) {
            return new Verdict(State.EXTERNAL, "the log is on an external device; whether it is clean is unknown");
        }
        try {
            return new XfsLog(ctx).verdict();
        } catch (IOException | RuntimeException e) {
            return new Verdict(State.UNKNOWN, "the log could not be read (" + e.getMessage() + ")");
        }
    }

    String what(long bb) {
        return "xfs log block " + bb;
    }

    CorruptImageException corrupt(long bb, String problem) {
        return new CorruptImageException(what(bb), bb < 0 ? -1 : start + bb * LogRecordHeader.BLOCK, problem);
    }

    private byte[] block(long bb) throws IOException {
        if (bb < 0 || bb >= blocks) {
            throw corrupt(bb, "outside the log (" + blocks + " blocks)");
        }
        return ctx.reader.read(start + bb * LogRecordHeader.BLOCK, LogRecordHeader.BLOCK, what(bb));
    }

    /** {@code n} blocks from {@code bb}, wrapping around the end of the ring. */
    byte[] blocks(long bb, int n) throws IOException {
        byte[] out = new byte[n * LogRecordHeader.BLOCK];
        long from = Math.floorMod(bb, blocks);
        int first = (int) Math.min(n, blocks - from);
        ctx.reader.readInto(start + from * LogRecordHeader.BLOCK, out, 0, first * LogRecordHeader.BLOCK, what(from));
        int done = first;
        while (done < n) {
            int part = (int) Math.min(n - done, blocks);
            ctx.reader.readInto(start, out, done * LogRecordHeader.BLOCK, part * LogRecordHeader.BLOCK, what(0));
            done += part;
        }
        return out;
    }

    /** xlog_get_cycle: the cycle of a header block, or the cycle number stamped over a data block's first word. */
    private long cycle(long bb) throws IOException {
        byte[] b = block(bb);
        return LogRecordHeader.isHeader(b, 0) ? Be.u32(b, 4) : Be.u32(b, 0);
    }

    /** xlog_find_cycle_start: binary search for the first block of {@code cycle} after {@code first}. */
    private long cycleStart(long first, long last, long cycle) throws IOException {
        long end = last;
        long mid = (first + end) >>> 1;
        while (mid != first && mid != end) {
            if (cycle(mid) == cycle) {
                end = mid;
            } else {
                first = mid;
            }
            mid = (first + end) >>> 1;
        }
        return end;
    }

    /** xlog_find_verify_cycle: the first block of [start, start + n) stamped {@code stop}, or -1. */
    private long verifyCycle(long startBlk, long n, long stop) throws IOException {
        for (long i = startBlk; i < startBlk + n; ) {
            int chunk = (int) Math.min(128, startBlk + n - i);
            byte[] b = blocks(i, chunk);
            for (int j = 0; j < chunk; j++) {
                int off = j * LogRecordHeader.BLOCK;
                long c = LogRecordHeader.isHeader(b, off) ? Be.u32(b, off + 4) : Be.u32(b, off);
                if (c == stop) {
                    return i + j;
                }
            }
            i += chunk;
        }
        return -1;
    }

    private void checkUuid(LogRecordHeader h, long bb) throws CorruptImageException {
        byte[] u = h.fsUuid();
        boolean nil = Arrays.equals(u, new byte[16]);
        if (!nil && !Arrays.equals(u, ctx.sb.uuid())) {
            throw corrupt(bb, "log record of another filesystem (UUID " + Superblock.uuidText(u) + ")");
        }
    }

    /**
     * xlog_find_verify_log_record: walks back from {@code lastBlk} to the last record header (not before
     * {@code startBlk}); when that record does not end exactly at {@code lastBlk} (a partial write), the head moves
     * back to the header. Returns the new last block, or HIT_BEGINNING when block 0 was passed without a header.
     */
    private long verifyLogRecord(long startBlk, long lastBlk, long extra) throws IOException {
        for (long i = lastBlk - 1; i >= 0; i--) {
            if (i < startBlk) {
                throw corrupt(lastBlk, "log inconsistent: no record header in the " + (lastBlk - startBlk)
                        + " blocks before this one");
            }
            byte[] b = block(i);
            if (LogRecordHeader.isHeader(b, 0)) {
                LogRecordHeader h = LogRecordHeader.parse(b, 0);
                checkUuid(h, i);
                return lastBlk - i + extra != h.dataBlocks() + h.headerBlocks() ? i : lastBlk;
            }
        }
        return HIT_BEGINNING;
    }

    /** xlog_find_zeroed: the head of a log never written to its end (blocks of cycle 0), or -1. */
    private long findZeroed() throws IOException {
        if (cycle(0) == 0) {
            return 0;
        }
        if (cycle(blocks - 1) != 0) {
            return -1;
        }
        long lastBlk = cycleStart(0, blocks - 1, 0);
        long scan = Math.min(totalRecShift, lastBlk);
        long startBlk = lastBlk - scan;
        long nb = verifyCycle(startBlk, scan, 0);
        if (nb != -1) {
            lastBlk = nb;
        }
        long r = verifyLogRecord(startBlk, lastBlk, 0);
        if (r == HIT_BEGINNING) {
            throw corrupt(lastBlk, "no log record header before the zeroed part of the log");
        }
        return r;
    }

    /** xlog_find_head: the block where the next record would be written. */
    long findHead() throws IOException {
        long zeroed = findZeroed();
        if (zeroed >= 0) {
            return zeroed;
        }
        long firstHalf = cycle(0);
        long lastBlk = blocks - 1;
        long lastHalf = cycle(lastBlk);
        long head;
        long stop;
        if (firstHalf == lastHalf) {
            head = blocks;
            stop = lastHalf - 1;
        } else {
            stop = lastHalf;
            head = cycleStart(0, lastBlk, lastHalf);
        }
        long scan = Math.min(totalRecShift, blocks);
        if (head >= scan) {
            long nb = verifyCycle(head - scan, scan, stop);
            if (nb != -1) {
                head = nb;
            }
        } else {
            long nb = verifyCycle(blocks - (scan - head), scan - head, stop - 1);
            if (nb != -1) {
                head = nb;
            } else {
                nb = verifyCycle(0, head, stop);
                if (nb != -1) {
                    head = nb;
                }
            }
        }
        scan = Math.min(recShift, blocks);
        if (head >= scan) {
            long r = verifyLogRecord(head - scan, head, 0);
            if (r == HIT_BEGINNING) {
                throw corrupt(head, "no log record header before the head");
            }
            head = r;
        } else {
            long r = verifyLogRecord(0, head, 0);
            if (r == HIT_BEGINNING) {
                long nb = verifyLogRecord(blocks - (scan - head), blocks, head);
                if (nb == HIT_BEGINNING) {
                    throw corrupt(head, "no log record header before the head");
                }
                if (nb != blocks) {
                    head = nb;
                }
            } else {
                head = r;
            }
        }
        return head == blocks ? 0 : head;
    }

    /** A record header found by a seek, and where. */
    private record Found(long block, LogRecordHeader header) {
    }

    /**
     * xlog_rseek_logrec_hdr: the {@code count}-th record header going back from {@code head} (not past
     * {@code tail}, or around the whole ring when {@code tail >= head}); null when there are fewer.
     */
    private Found seekBack(long head, long tail, int count) throws IOException {
        Scan scan = new Scan(count);
        long end = head > tail ? tail : 0;
        if (scan.backward(head - 1, end) || tail < head) {
            return scan.last;
        }
        scan.backward(blocks - 1, tail);
        return scan.last;
    }

    /** xlog_seek_logrec_hdr: the {@code count}-th record header going forward from {@code tail}, or null. */
    private Found seekForward(long head, long tail, int count) throws IOException {
        Scan scan = new Scan(count);
        long end = head > tail ? head : blocks - 1;
        if (scan.forward(tail, end) || tail <= head) {
            return scan.last;
        }
        scan.forward(0, head - 1);
        return scan.last;
    }

    /** Looks for record headers block by block, reading 64 blocks at a time. */
    private final class Scan {
        private static final int CHUNK = 64;
        private final int count;
        private int found;
        Found last;

        Scan(int count) {
            this.count = count;
        }

        private boolean at(byte[] b, int off, long bb) {
            if (LogRecordHeader.isHeader(b, off)) {
                last = new Found(bb, LogRecordHeader.parse(b, off));
                return ++found == count;
            }
            return false;
        }

        /** Blocks {@code from} down to {@code to}, inclusive; true once {@code count} headers were seen. */
        boolean backward(long from, long to) throws IOException {
            for (long hi = from; hi >= to && hi >= 0; ) {
                long lo = Math.max(to, hi - CHUNK + 1);
                byte[] b = blocks(lo, (int) (hi - lo + 1));
                for (long bb = hi; bb >= lo; bb--) {
                    if (at(b, (int) (bb - lo) * LogRecordHeader.BLOCK, bb)) {
                        return true;
                    }
                }
                hi = lo - 1;
            }
            return false;
        }

        /** Blocks {@code from} up to {@code to}, inclusive. */
        boolean forward(long from, long to) throws IOException {
            for (long lo = from; lo <= to && lo < blocks; ) {
                long hi = Math.min(Math.min(to, blocks - 1), lo + CHUNK - 1);
                byte[] b = blocks(lo, (int) (hi - lo + 1));
                for (long bb = lo; bb <= hi; bb++) {
                    if (at(b, (int) (bb - lo) * LogRecordHeader.BLOCK, bb)) {
                        return true;
                    }
                }
                lo = hi + 1;
            }
            return false;
        }
    }

    private long tailOf(Found r) throws CorruptImageException {
        long tail = LogRecordHeader.blockOf(r.header.tailLsn());
        if (tail >= blocks) {
            throw corrupt(r.block, "record names tail block " + tail + ", past the end of the log (" + blocks
                    + " blocks)");
        }
        return tail;
    }

    private boolean isUnmount(long head, Found r) throws IOException {
        LogRecordHeader h = r.header;
        long after = Math.floorMod(r.block + h.headerBlocks() + h.dataBlocks(), blocks);
        if (head == after && h.numLogOps() == 1) {
            byte[] data = block(Math.floorMod(r.block + h.headerBlocks(), blocks));
            return (Be.u8(data, 9) & LogRecordHeader.UNMOUNT_TRANS) != 0;
        }
        return false;
    }

    /** The log mount: head, tail, clean or dirty (with torn writes trimmed, as xlog_find_tail does). */
    Verdict verdict() throws IOException {
        long head = findHead();
        if (head == 0 && cycle(0) == 0) {
            return new Verdict(State.CLEAN, "the log is empty", 0, 0);
        }
        Found last = seekBack(head, head, 1);
        if (last == null) {
            throw corrupt(head, "no log record header anywhere in the log");
        }
        long tail = tailOf(last);
        if (isUnmount(head, last)) {
            return new Verdict(State.CLEAN, "the log ends with an unmount record", head, head);
        }
        // xlog_verify_head: CRC-check the records that may have been in flight; a failure is a torn write.
        Found first = seekBack(head, tail, MAX_ICLOGS);
        if (first != null) {
            long bad = crcPass(first.block, head);
            if (bad >= 0) {
                Found good = seekBack(bad, tail, 1);
                if (good == null) {
                    throw corrupt(bad, "torn log write and no complete record before it");
                }
                ctx.warnings.add("xfs: torn write (CRC failure) at log block " + bad + ": the head moves back from "
                        + head + ", as the kernel does");
                head = bad;
                tail = tailOf(good);
                last = good;
                if (head == tail) {
                    // Not clean all the same: the kernel leaves the log marked unclean and recomputes the counters.
                    return new Verdict(State.DIRTY, "a torn write was trimmed, leaving nothing to replay", head, head);
                }
                if (isUnmount(head, last)) {
                    return new Verdict(State.CLEAN, "the log ends with an unmount record", head, head);
                }
            }
        }
        tail = verifyTail(head, tail, last.header.size());
        if (tail == head) {
            return new Verdict(State.DIRTY, "no record between the tail and the head", head, head);
        }
        return new Verdict(State.DIRTY, "records from log block " + tail + " to " + head
                + " were not unmounted cleanly", head, tail);
    }

    /** xlog_verify_tail: moves the tail past records an interrupted write overwrote near the head. */
    private long verifyTail(long head, long tail, long hsize) throws IOException {
        Found t = seekForward(head, tail, 1);
        if (t == null) {
            throw corrupt(tail, "no log record header between the tail and the head");
        }
        tail = t.block;
        BadRecord bad = crcCheck(tail, head);
        while (bad != null) {
            long distance = head < bad.block ? bad.block - head : bad.block + (blocks - head);
            if (distance > MAX_ICLOGS * Math.max(hsize, LogRecordHeader.HEADER_CYCLE_SIZE) / 512) {
                throw corrupt(bad.block, bad.getMessage() + " (between the tail and the head, too far from the head"
                        + " to be a torn write)");
            }
            Found next = seekForward(head, bad.block, 2);
            if (next == null || next.block == bad.block) {
                throw corrupt(bad.block, "no log record after the overwritten tail");
            }
            tail = next.block;
            ctx.warnings.add("xfs: log tail overwrite detected, tail moved to block " + tail);
            bad = crcCheck(tail, head);
        }
        return tail;
    }

    /** A CRC verification pass from {@code tail} to {@code head}: the block of the first bad record, or -1. */
    private long crcPass(long tail, long head) throws IOException {
        BadRecord bad = crcCheck(tail, head);
        return bad == null ? -1 : bad.block;
    }

    private BadRecord crcCheck(long tail, long head) throws IOException {
        try {
            walk(tail, head, true, (block, header, data) -> { });
            return null;
        } catch (BadRecord e) {
            return e;
        }
    }

    /** A record that fails its CRC or header checks during a verification pass. */
    private static final class BadRecord extends IOException {
        final long block;

        BadRecord(long block, String message) {
            super(message);
            this.block = block;
        }
    }

    /**
     * xlog_do_recovery_pass: the records from {@code tail} to {@code head}, around the end of the ring, each
     * checked (header, length, CRC) and unpacked. In a verification pass ({@code crcOnly}) a bad record ends the walk
     * with {@link BadRecord}; in recovery it is a {@link CorruptImageException} (v5), or a warning (a v4 CRC).
     */
    void walk(long tail, long head, boolean crcOnly, RecordVisitor visitor) throws IOException {
        if (tail == head) {
            return;
        }
        long distance = Math.floorMod(head - tail, blocks);
        byte[] first = block(tail);
        if (!LogRecordHeader.isHeader(first, 0)) {
            throw bad(crcOnly, tail, "the tail is not a log record header");
        }
        LogRecordHeader th = LogRecordHeader.parse(first, 0);
        long hSize;
        int hblks;
        if (v2) {
            hSize = th.size();
            long logbsize = Math.max(32 * 1024, ctx.sb.logSunit());
            if (th.len() > hSize && th.len() <= logbsize && th.numLogOps() == 1) {
                hSize = logbsize; // mkfs wrote an unmount record sized by the log stripe unit
            }
            if (hSize <= 0 || hSize > LogRecordHeader.MAX_RECORD_SIZE) {
                throw bad(crcOnly, tail, "log record buffer size " + hSize + " is not between 1 and 256 KiB");
            }
            hblks = LogRecordHeader.headerBlocks(th.version(), hSize);
        } else {
            hSize = 32 * 1024;
            hblks = 1;
        }
        long done = 0;
        while (done < distance) {
            long blk = Math.floorMod(tail + done, blocks);
            if (done + hblks > distance) {
                throw bad(crcOnly, blk, "log record header runs past the head (block " + head + ")");
            }
            byte[] headers = blocks(blk, hblks);
            if (!LogRecordHeader.isHeader(headers, 0)) {
                throw bad(crcOnly, blk, "expected a log record header (magic 0xfeedbabe), found 0x"
                        + Long.toHexString(Be.u32(headers, 0)));
            }
            LogRecordHeader h = LogRecordHeader.parse(headers, 0);
            if (h.version() == 0 || (h.version() & ~LogRecordHeader.VERSION_OKBITS) != 0) {
                throw bad(crcOnly, blk, "unknown log record version " + h.version());
            }
            if (h.len() <= 0 || h.len() > hSize) {
                throw bad(crcOnly, blk, "log record length " + h.len() + " is not between 1 and the record buffer size "
                        + hSize);
            }
            long bblks = h.dataBlocks();
            if (done + hblks + bblks > distance) {
                throw bad(crcOnly, blk, "log record of " + (hblks + bblks) + " blocks runs past the head (block "
                        + head + ")");
            }
            byte[] data = blocks(blk + hblks, (int) bblks);
            int len = (int) h.len();
            if (h.crc() != 0 || (ctx.v5 && !crcOnly)) {
                long c = LogRecordHeader.checksum(headers, hblks, data, len, LogRecordHeader.CRC_SIZE);
                if (c != h.crc() && LogRecordHeader.checksum(headers, hblks, data, len,
                        LogRecordHeader.CRC_SIZE_I386) != h.crc()) {
                    String problem = "log record CRC mismatch: stored 0x" + Long.toHexString(h.crc()) + ", computed 0x"
                            + Long.toHexString(c);
                    if (crcOnly || ctx.v5) {
                        throw bad(crcOnly, blk, problem);
                    }
                    if (h.crc() != 0) {
                        ctx.warnings.add(corrupt(blk, problem).getMessage() + " (replayed on, as the kernel does on v4)");
                    }
                }
            }
            if (!crcOnly) {
                if (h.fmt() != LogRecordHeader.FMT_LINUX_LE) {
                    throw new UnsupportedFeatureException("xfs log format " + h.fmt(), what(blk)
                            + ": log items written in format " + h.fmt() + " (only little-endian Linux logs, format 1, "
                            + "are replayed)");
                }
                if (!Arrays.equals(h.fsUuid(), ctx.sb.uuid())) {
                    throw corrupt(blk, "log record of another filesystem (UUID " + Superblock.uuidText(h.fsUuid()) + ")");
                }
                unpack(headers, hblks, h, data);
                visitor.record(blk, h, data);
            }
            done += hblks + bblks;
        }
    }

    private IOException bad(boolean crcOnly, long blk, String problem) {
        return crcOnly ? new BadRecord(blk, problem) : corrupt(blk, problem);
    }

    /** xlog_unpack_data: puts back the first word of every data block from the header's saved cycle data. */
    private void unpack(byte[] headers, int hblks, LogRecordHeader h, byte[] data) throws CorruptImageException {
        long n = h.dataBlocks();
        for (int i = 0; i < n; i++) {
            long word;
            if (i < LogRecordHeader.CYCLE_WORDS) {
                word = h.cycleData()[i];
            } else {
                int j = i / LogRecordHeader.CYCLE_WORDS;
                if (!v2 || j >= hblks) {
                    throw corrupt(-1, "log record of " + n + " blocks has only " + hblks + " header blocks");
                }
                word = Be.u32(headers, j * LogRecordHeader.BLOCK + 4 + 4 * (i % LogRecordHeader.CYCLE_WORDS));
            }
            int off = i * LogRecordHeader.BLOCK;
            data[off] = (byte) (word >>> 24);
            data[off + 1] = (byte) (word >>> 16);
            data[off + 2] = (byte) (word >>> 8);
            data[off + 3] = (byte) word;
        }
    }
}
