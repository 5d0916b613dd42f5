package dev.platter.format.qed;

import dev.platter.core.storage.Storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** An L1 or L2 table: cluster offsets, 0 for a cluster not allocated, 1 for a zero cluster. */
final class QedTable {
    static final long UNALLOCATED = 0;
    static final long ZERO = 1;

    private final long[] entries;

    private QedTable(long[] entries) {
        this.entries = entries;
    }

    /** Reads the table at {@code offset} (already checked to lie inside the file). */
    static QedTable read(Storage storage, long offset, QedHeader h) throws IOException {
        int n = (int) h.tableEntries();
        ByteBuffer b = ByteBuffer.allocate(n * 8).order(ByteOrder.LITTLE_ENDIAN);
        storage.readAt(offset, b.duplicate()); // the last cluster may end past the file: zeros, as qemu reads it
        long[] entries = new long[n];
        b.asLongBuffer().get(entries);
        return new QedTable(entries);
    }

    int size() {
        return entries.length;
    }

    long entry(int i) {
        return entries[i];
    }
}
