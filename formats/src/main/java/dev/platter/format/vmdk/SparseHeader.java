package dev.platter.format.vmdk;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The 512-byte header of a hosted sparse extent ("KDMV"): the first sector of a monolithicSparse, streamOptimized or
 * twoGbMaxExtentSparse extent file, and the footer of a stream whose header says {@link #GD_AT_END}. Little-endian;
 * sizes and offsets in sectors. Parsing keeps the fields as stored; {@link SparseExtent} checks them as qemu does.
 */
final class SparseHeader {
    static final int SIZE = 512;
    static final byte[] MAGIC = {'K', 'D', 'M', 'V'};
    static final int FLAG_NEWLINE_TEST = 1;
    static final int FLAG_REDUNDANT_GD = 1 << 1;
    static final int FLAG_ZEROED_GRAIN = 1 << 2;
    static final int FLAG_COMPRESSED = 1 << 16;
    static final int FLAG_MARKERS = 1 << 17;
    /** The flags qemu 7.2 knows. */
    static final int KNOWN_FLAGS = FLAG_NEWLINE_TEST | FLAG_REDUNDANT_GD | FLAG_ZEROED_GRAIN | FLAG_COMPRESSED
            | FLAG_MARKERS;
    static final int COMPRESSION_DEFLATE = 1;
    /** gdOffset of a stream whose grain directory (and real header, the footer) is at the end. */
    static final long GD_AT_END = -1L;

    final int version;
    final int flags;
    final long capacity;
    final long grainSize;
    final long descriptorOffset;
    final long descriptorSize;
    final int gtesPerGt;
    final long rgdOffset;
    final long gdOffset;
    final long overHead;
    final boolean uncleanShutdown;
    final int compressAlgorithm;

    private SparseHeader(ByteBuffer b) {
        version = b.getInt(4);
        flags = b.getInt(8);
        capacity = b.getLong(12);
        grainSize = b.getLong(20);
        descriptorOffset = b.getLong(28);
        descriptorSize = b.getLong(36);
        gtesPerGt = b.getInt(44);
        rgdOffset = b.getLong(48);
        gdOffset = b.getLong(56);
        overHead = b.getLong(64);
        uncleanShutdown = b.get(72) != 0;
        compressAlgorithm = Short.toUnsignedInt(b.getShort(77));
    }

    /** True when {@code b} (from its position) starts with "KDMV". */
    static boolean hasMagic(ByteBuffer b) {
        return startsWith(b, MAGIC);
    }

    /** True when {@code b} (from its position) starts with {@code magic}. */
    static boolean startsWith(ByteBuffer b, byte[] magic) {
        if (b.remaining() < magic.length) {
            return false;
        }
        for (int i = 0; i < magic.length; i++) {
            if (b.get(b.position() + i) != magic[i]) {
                return false;
            }
        }
        return true;
    }

    /** Parses a header whose magic was checked; {@code sector} holds at least the 79 bytes the fields take. */
    static SparseHeader parse(ByteBuffer sector) {
        ByteBuffer b = sector.slice().order(ByteOrder.LITTLE_ENDIAN);
        return new SparseHeader(b);
    }

    /** Grains are compressed records: qemu decides by the algorithm field, not by the flag. */
    boolean compressed() {
        return compressAlgorithm == COMPRESSION_DEFLATE;
    }

    boolean markers() {
        return (flags & FLAG_MARKERS) != 0;
    }

    boolean zeroedGrain() {
        return (flags & FLAG_ZEROED_GRAIN) != 0;
    }

    int unknownFlags() {
        return flags & ~KNOWN_FLAGS;
    }
}
