package dev.platter.format.vmdk;

import dev.platter.core.CorruptImageException;
import dev.platter.core.storage.Storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A grain table (qemu: an L2 table): little-endian 32-bit entries, one per grain: 0 not allocated, 1 a zeroed grain
 * (with the zeroed-grain flag), otherwise the grain's sector (of its marker, in a compressed extent).
 */
final class GrainTable {
    static final long UNALLOCATED = 0;
    static final long ZEROED = 1;

    private final int[] entries;

    private GrainTable(int[] entries) {
        this.entries = entries;
    }

    /** Reads a table of {@code count} entries at sector {@code sector}, which must lie inside the file. */
    static GrainTable read(Storage file, long sector, int count, String where) throws IOException {
        int[] entries = new int[count];
        readChecked(file, sector, count * 4, where).asIntBuffer().get(entries);
        return new GrainTable(entries);
    }

    /**
     * The {@code bytes} of a grain table at {@code sector} (a 32-bit sector number), little-endian, once they are
     * known to lie inside the file: the one place every sparse extent kind reads its tables through.
     */
    static ByteBuffer readChecked(Storage file, long sector, int bytes, String where) throws IOException {
        long offset = sector * 512;
        long fileSize = file.size();
        if (sector < 0 || offset > fileSize || bytes > fileSize - offset) {
            throw new CorruptImageException(where, offset, "the grain table runs past the end of the file ("
                    + fileSize + " bytes)");
        }
        ByteBuffer b = ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
        file.readFully(offset, b);
        return b.flip();
    }

    int size() {
        return entries.length;
    }

    long entry(int index) {
        return Integer.toUnsignedLong(entries[index]);
    }

    /** Sets an entry in memory (a grain's sector, or {@link #ZEROED}); the writer puts the table back later. */
    void set(int index, long value) {
        entries[index] = (int) value;
    }

    /** The table's on-disk bytes. */
    ByteBuffer encode() {
        ByteBuffer b = ByteBuffer.allocate(entries.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asIntBuffer().put(entries);
        return b;
    }
}
