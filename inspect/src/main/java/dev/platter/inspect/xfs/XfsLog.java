package dev.platter.inspect.xfs;

import java.io.IOException;

/**
 * Tells whether the internal log is clean, without replaying it: find the head of the circular log (where the
 * cycle number stamped on every 512-byte block drops, found by binary search as the kernel does), walk back to the
 * last record header, and check that it is a lone unmount record ending exactly at the head.
 */
final class XfsLog {
    /** Records are at most 256 KiB plus their headers: the last one starts this close to the head. */
    private static final int MAX_BACK_SCAN = (256 * 1024 + 8 * 512) / LogRecordHeader.BLOCK + 8;

    enum State { CLEAN, DIRTY, EXTERNAL, UNKNOWN }

    record Verdict(State state, String detail) {
    }

    private final XfsContext ctx;
    private final long start;
    private final long blocks;

    private XfsLog(XfsContext ctx) {
        this.ctx = ctx;
        Superblock sb = ctx.sb;
        long s;
        try {
            s = sb.hasInternalLog() ? ctx.geo.fsbToByte(sb.logStart(), sb.logBlocks(), "xfs log") : -1;
        } catch (IOException e) {
            s = -1;
        }
        this.start = s;
        this.blocks = (sb.logBlocks() << ctx.geo.blockLog) / LogRecordHeader.BLOCK;
    }

    static Verdict inspect(XfsContext ctx) {
        if (!ctx.sb.hasInternalLog()) {
            return new Verdict(State.EXTERNAL, "the log is on an external device; whether it is clean is unknown");
        }
        XfsLog log = new XfsLog(ctx);
        if (log.start < 0) {
            return new Verdict(State.UNKNOWN, "the log lies outside the filesystem");
        }
        try {
            return log.verdict();
        } catch (IOException | RuntimeException e) {
            return new Verdict(State.UNKNOWN, "the log could not be read (" + e.getMessage() + ")");
        }
    }

    private byte[] block(long bb) throws IOException {
        return ctx.reader.read(start + bb * LogRecordHeader.BLOCK, LogRecordHeader.BLOCK, "xfs log block " + bb);
    }

    private long cycle(long bb) throws IOException {
        byte[] b = block(bb);
        return LogRecordHeader.isHeader(b, 0) ? Be.u32(b, 4) : Be.u32(b, 0);
    }

    private Verdict verdict() throws IOException {
        long first = cycle(0);
        if (first == 0) {
            return new Verdict(State.CLEAN, "the log is empty");
        }
        long last = cycle(blocks - 1);
        long head;
        if (first == last) {
            head = 0; // the whole log carries one cycle: the head is where it wraps
        } else {
            long lo = 0;
            long hi = blocks - 1;
            while (hi - lo > 1) {
                long mid = (lo + hi) >>> 1;
                if (cycle(mid) == first) {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            head = hi;
        }
        // Walk back from the head to the last record header.
        for (int back = 1; back <= Math.min(MAX_BACK_SCAN, blocks); back++) {
            long bb = Math.floorMod(head - back, blocks);
            byte[] b = block(bb);
            if (!LogRecordHeader.isHeader(b, 0)) {
                continue;
            }
            LogRecordHeader h = LogRecordHeader.parse(b, 0);
            long end = Math.floorMod(bb + h.headerBlocks() + h.dataBlocks(), blocks);
            if (end != head) {
                return new Verdict(State.DIRTY, "the last log record (block " + bb + ") does not end at the head ("
                        + head + ")");
            }
            if (h.numLogOps() != 1) {
                return new Verdict(State.DIRTY, "the last log record holds " + h.numLogOps() + " operations");
            }
            byte[] data = block(Math.floorMod(bb + h.headerBlocks(), blocks));
            int flags = Be.u8(data, 9);
            return (flags & LogRecordHeader.UNMOUNT_TRANS) != 0
                    ? new Verdict(State.CLEAN, "the log ends with an unmount record")
                    : new Verdict(State.DIRTY, "the log does not end with an unmount record");
        }
        return new Verdict(State.UNKNOWN, "no log record header found before the head");
    }
}
