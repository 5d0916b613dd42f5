package dev.platter.format.vmdk;

import dev.platter.core.CorruptImageException;
import dev.platter.core.storage.Storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A grain directory (qemu: the L1 table): little-endian 32-bit sector numbers of the grain tables, 0 for a table
 * that is not allocated. Read whole at open, after checking that it lies inside the file.
 */
final class GrainDirectory {
    /** qemu's bound on the entries (32 Mi, 128 MiB of table). */
    static final long MAX_ENTRIES = 32L << 20;

    private final int[] entries;
    final long offset;

    private GrainDirectory(long offset, int[] entries) {
        this.offset = offset;
        this.entries = entries;
    }

    /** Reads {@code count} entries at byte {@code offset} of {@code file}. */
    static GrainDirectory read(Storage file, long offset, long count, String where) throws IOException {
        if (count > MAX_ENTRIES) {
            throw new CorruptImageException(where, offset, "L1 size too big (" + count + " entries, at most "
                    + MAX_ENTRIES + ")");
        }
        long bytes = count * 4;
        long fileSize = file.size();
        if (offset < 0 || offset > fileSize || bytes > fileSize - offset) {
            throw new CorruptImageException(where, offset, "the grain directory (" + count + " entries) runs past "
                    + "the end of the file (" + fileSize + " bytes)");
        }
        ByteBuffer b = ByteBuffer.allocate((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
        file.readFully(offset, b);
        int[] entries = new int[(int) count];
        b.flip().asIntBuffer().get(entries);
        return new GrainDirectory(offset, entries);
    }

    int size() {
        return entries.length;
    }

    /** The sector of grain table {@code index}, 0 when it is not allocated. */
    long tableSector(long index) {
        return Integer.toUnsignedLong(entries[(int) index]);
    }
}
