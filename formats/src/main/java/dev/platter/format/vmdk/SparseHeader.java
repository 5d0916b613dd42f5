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
    /** Bytes 73-76: a text-mode transfer that rewrote line ends would change them. */
    static final byte[] NEWLINE_DETECTOR = {'\n', ' ', '\r', '\n'};
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

    /** A header to write; the newline detector is always set, the magic is "KDMV". */
    SparseHeader(int version, int flags, long capacity, long grainSize, long descriptorOffset, long descriptorSize,
                 int gtesPerGt, long rgdOffset, long gdOffset, long overHead, int compressAlgorithm) {
        this.version = version;
        this.flags = flags;
        this.capacity = capacity;
        this.grainSize = grainSize;
        this.descriptorOffset = descriptorOffset;
        this.descriptorSize = descriptorSize;
        this.gtesPerGt = gtesPerGt;
        this.rgdOffset = rgdOffset;
        this.gdOffset = gdOffset;
        this.overHead = overHead;
        this.uncleanShutdown = false;
        this.compressAlgorithm = compressAlgorithm;
    }

    /** This header as its 512 on-disk bytes (the newline detector "\n \r\n" included). */
    ByteBuffer encode() {
        ByteBuffer b = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.put(0, MAGIC);
        b.putInt(4, version);
        b.putInt(8, flags);
        b.putLong(12, capacity);
        b.putLong(20, grainSize);
        b.putLong(28, descriptorOffset);
        b.putLong(36, descriptorSize);
        b.putInt(44, gtesPerGt);
        b.putLong(48, rgdOffset);
        b.putLong(56, gdOffset);
        b.putLong(64, overHead);
        b.put(72, (byte) (uncleanShutdown ? 1 : 0));
        b.put(73, NEWLINE_DETECTOR);
        b.putShort(77, (short) compressAlgorithm);
        return b;
    }

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
