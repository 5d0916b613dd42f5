package dev.platter.format.vmdk;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The header of an ESX sparse extent ("COWD", createType vmfsSparse): ESX 3 snapshot deltas. Little-endian 32-bit
 * fields after the magic; sizes and offsets in sectors; grain tables of 4096 entries.
 */
final class CowdHeader {
    static final int SIZE = 44;
    static final byte[] MAGIC = {'C', 'O', 'W', 'D'};
    static final int GTES_PER_GT = 4096;

    final int version;
    final int flags;
    final long diskSectors;
    final long granularity;
    final long gdOffset;
    final long gdEntries;
    final long fileSectors;

    private CowdHeader(ByteBuffer b) {
        version = b.getInt(4);
        flags = b.getInt(8);
        diskSectors = Integer.toUnsignedLong(b.getInt(12));
        granularity = Integer.toUnsignedLong(b.getInt(16));
        gdOffset = Integer.toUnsignedLong(b.getInt(20));
        gdEntries = Integer.toUnsignedLong(b.getInt(24));
        fileSectors = Integer.toUnsignedLong(b.getInt(28));
    }

    static boolean hasMagic(ByteBuffer b) {
        return SparseHeader.startsWith(b, MAGIC);
    }

    /** Parses a header whose magic was checked; {@code b} holds at least {@link #SIZE} bytes. */
    static CowdHeader parse(ByteBuffer b) {
        return new CowdHeader(b.slice().order(ByteOrder.LITTLE_ENDIAN));
    }

    /** The header as {@code vmfsSparse} writers lay it out (for tests and fuzz seeds). */
    static ByteBuffer build(long diskSectors, long granularity, long gdOffset, long gdEntries, long fileSectors) {
        ByteBuffer b = ByteBuffer.allocate(512).order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC);
        b.putInt(4, 1).putInt(8, 3).putInt(12, (int) diskSectors).putInt(16, (int) granularity)
                .putInt(20, (int) gdOffset).putInt(24, (int) gdEntries).putInt(28, (int) fileSectors);
        return b;
    }
}
