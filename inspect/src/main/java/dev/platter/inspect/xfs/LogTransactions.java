package dev.platter.inspect.xfs;

import dev.platter.core.UnsupportedFeatureException;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reassembles transactions from the operations of successive log records, as xlog_recover_process_data does: a
 * transaction opens with a start operation (its LSN is that record's), collects its header and items region by
 * region (regions continued across records are joined), and is handed on when its commit operation arrives.
 * Operations of transactions whose start lies before the tail are skipped; transactions without a commit record are
 * dropped at the end, never replayed.
 */
final class LogTransactions {
    /** A committed transaction: its id, the LSN of the record that started it, its items in log order. */
    record Committed(long tid, long lsn, long block, List<LogItem> items) {
    }

    interface Sink {
        void commit(Committed transaction) throws IOException;
    }

    private static final class Open {
        final long tid;
        final long lsn;
        final long block;
        final byte[] header = new byte[LogTransHeader.SIZE];
        int headerBytes;
        boolean headerSeen;
        final List<LogItem> items = new ArrayList<>();
        long bytes;

        Open(long tid, long lsn, long block) {
            this.tid = tid;
            this.lsn = lsn;
            this.block = block;
        }
    }

    private final XfsLog log;
    private final Sink sink;
    private final long maxBytes;
    private final Map<Long, Open> open = new HashMap<>();
    private long openBytes;

    /** @param maxBytes bound on the bytes all open transactions may hold */
    LogTransactions(XfsLog log, long maxBytes, Sink sink) {
        this.log = log;
        this.maxBytes = maxBytes;
        this.sink = sink;
    }

    /** Feeds one unpacked record. */
    void record(long block, LogRecordHeader h, byte[] data) throws IOException {
        int end = (int) h.len();
        int pos = 0;
        long ops = h.numLogOps();
        if (ops > end / LogOpHeader.SIZE + 1) {
            throw log.corrupt(block, "record claims " + ops + " operations in " + end + " bytes");
        }
        while (pos < end && ops > 0) {
            if (pos + LogOpHeader.SIZE > end) {
                throw log.corrupt(block, "operation header at byte " + pos + " runs past the record (" + end
                        + " bytes)");
            }
            LogOpHeader op = LogOpHeader.parse(data, pos);
            pos += LogOpHeader.SIZE;
            if (op.clientId() != LogOpHeader.CLIENT_TRANSACTION && op.clientId() != LogOpHeader.CLIENT_LOG) {
                throw log.corrupt(block, "operation of unknown client 0x" + Integer.toHexString(op.clientId()));
            }
            if (op.len() > end - pos) {
                throw log.corrupt(block, "operation of " + op.len() + " bytes at byte " + pos + " runs past the record ("
                        + end + " bytes)");
            }
            process(block, h, op, data, pos, (int) op.len());
            pos += (int) op.len();
            ops--;
        }
    }

    private void process(long block, LogRecordHeader h, LogOpHeader op, byte[] data, int off, int len)
            throws IOException {
        Open t = open.get(op.tid());
        if (t == null) {
            if ((op.flags() & LogOpHeader.START_TRANS) != 0) {
                open.put(op.tid(), new Open(op.tid(), h.lsn(), block));
            }
            return; // a start, or slack before the next start: nothing to add
        }
        int flags = op.flags() & ~LogOpHeader.END_TRANS;
        if ((flags & LogOpHeader.WAS_CONT_TRANS) != 0) {
            flags &= ~LogOpHeader.CONTINUE_TRANS;
        }
        switch (flags) {
            case 0, LogOpHeader.CONTINUE_TRANS -> add(t, block, data, off, len);
            case LogOpHeader.WAS_CONT_TRANS -> addContinued(t, block, data, off, len);
            case LogOpHeader.COMMIT_TRANS -> {
                close(t);
                if (!t.headerSeen) {
                    throw log.corrupt(block, "transaction 0x" + Long.toHexString(t.tid) + " commits without a header");
                }
                List<LogItem> items = t.items;
                for (LogItem item : items) {
                    if (item.regions.isEmpty() || item.regions.size() != item.total) {
                        throw log.corrupt(item.block, "transaction 0x" + Long.toHexString(t.tid) + " commits an item with "
                                + item.regions.size() + " of its " + item.total + " regions");
                    }
                }
                sink.commit(new Committed(t.tid, t.lsn, t.block, items));
            }
            case LogOpHeader.UNMOUNT_TRANS -> close(t);
            default -> throw log.corrupt(block, "operation flags 0x" + Integer.toHexString(op.flags())
                    + " of transaction 0x" + Long.toHexString(t.tid) + " are not valid here");
        }
    }

    private void close(Open t) {
        open.remove(t.tid);
        openBytes -= t.bytes;
    }

    private void charge(Open t, long block, int len) throws IOException {
        t.bytes += len;
        openBytes += len;
        if (openBytes > maxBytes) {
            throw new UnsupportedFeatureException("xfs log transaction size", log.what(block)
                    + ": open transactions hold more than " + maxBytes + " bytes, the bound of in-memory replay");
        }
    }

    private void add(Open t, long block, byte[] data, int off, int len) throws IOException {
        if (len == 0) {
            return;
        }
        if (!t.headerSeen && t.items.isEmpty() && t.headerBytes == 0) {
            if (len > LogTransHeader.SIZE) {
                throw log.corrupt(block, "transaction header of " + len + " bytes");
            }
            if (len >= 4 && Le.u32(data, off) != LogTransHeader.MAGIC) {
                throw log.corrupt(block, "transaction header without its magic (TRAN)");
            }
            System.arraycopy(data, off, t.header, 0, len);
            t.headerBytes = len;
            t.headerSeen = len == LogTransHeader.SIZE;
            return;
        }
        if (!t.headerSeen) {
            throw log.corrupt(block, "item before the transaction header is complete");
        }
        charge(t, block, len);
        LogItem item = t.items.isEmpty() ? null : t.items.get(t.items.size() - 1);
        if (item == null || (item.total != 0 && item.total == item.regions.size())) {
            if (t.items.size() >= 1 << 20) {
                throw log.corrupt(block, "transaction with more than " + (1 << 20) + " items");
            }
            item = new LogItem(block);
            t.items.add(item);
        }
        if (item.total == 0) {
            if (len < 4) {
                throw log.corrupt(block, "item format region of " + len + " bytes");
            }
            int size = Le.u16(data, off + 2);
            if (size == 0 || size > LogItem.MAX_REGIONS) {
                throw log.corrupt(block, "log item of type " + LogItem.typeName(Le.u16(data, off)) + " claims " + size
                        + " regions");
            }
            item.total = size;
        }
        if (item.regions.size() >= item.total) {
            throw log.corrupt(block, "log item region count overflows its size (" + item.total + ")");
        }
        byte[] r = new byte[len];
        System.arraycopy(data, off, r, 0, len);
        item.regions.add(r);
    }

    private void addContinued(Open t, long block, byte[] data, int off, int len) throws IOException {
        if (!t.headerSeen) {
            if (len > LogTransHeader.SIZE - t.headerBytes) {
                throw log.corrupt(block, "continued transaction header of " + len + " bytes");
            }
            System.arraycopy(data, off, t.header, LogTransHeader.SIZE - len, len);
            t.headerBytes = LogTransHeader.SIZE;
            t.headerSeen = true;
            if (LogTransHeader.parse(t.header).magic() != LogTransHeader.MAGIC) {
                throw log.corrupt(block, "transaction header without its magic (TRAN)");
            }
            return;
        }
        LogItem item = t.items.isEmpty() ? null : t.items.get(t.items.size() - 1);
        if (item == null || item.regions.isEmpty()) {
            throw log.corrupt(block, "continuation of a region that never began");
        }
        charge(t, block, len);
        int last = item.regions.size() - 1;
        byte[] old = item.regions.get(last);
        byte[] joined = new byte[old.length + len];
        System.arraycopy(old, 0, joined, 0, old.length);
        System.arraycopy(data, off, joined, old.length, len);
        item.regions.set(last, joined);
    }

    /** Transactions still open at the head: started but never committed (dropped, as the kernel drops them). */
    int uncommitted() {
        return open.size();
    }

}
