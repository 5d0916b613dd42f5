package dev.platter.format.vmdk;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The markers of a stream-optimized extent, each at a sector boundary: a grain marker ({@code u64 lba}, {@code u32
 * size} &gt; 0, then {@code size} bytes of zlib stream) or a metadata marker ({@code u64 sectors}, {@code u32 0},
 * {@code u32 type}, padded to a sector, followed by {@code sectors} of metadata).
 *
 * @param value the grain's LBA (grain marker) or the sectors of metadata that follow (metadata marker)
 * @param size  bytes of compressed data (grain marker), 0 for a metadata marker
 * @param type  the metadata marker's type ({@link #END_OF_STREAM} ...), -1 for a grain marker
 */
record GrainMarker(long value, int size, int type) {
    /** Bytes before a grain marker's compressed data. */
    static final int GRAIN_HEADER = 12;
    static final int END_OF_STREAM = 0;
    static final int GRAIN_TABLE = 1;
    static final int GRAIN_DIRECTORY = 2;
    static final int FOOTER = 3;

    /** Parses the marker at the start of {@code b} (at least 16 bytes). */
    static GrainMarker parse(ByteBuffer b) {
        ByteBuffer l = b.slice().order(ByteOrder.LITTLE_ENDIAN);
        long value = l.getLong(0);
        int size = l.getInt(8);
        return size != 0 ? new GrainMarker(value, size, -1) : new GrainMarker(value, 0, l.getInt(12));
    }

    /** Writes a grain marker's header (LBA and compressed size) at the start of {@code record}. */
    static void putGrainHeader(ByteBuffer record, long lba, int compressedBytes) {
        ByteBuffer l = record.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        l.putLong(0, lba);
        l.putInt(8, compressedBytes);
    }

    /** Sets the LBA of a grain record made before its place was known. */
    static void putLba(ByteBuffer record, long lba) {
        record.duplicate().order(ByteOrder.LITTLE_ENDIAN).putLong(0, lba);
    }

    /** A metadata marker sector: {@code sectors} of metadata of {@code type} follow it (0 for end of stream). */
    static ByteBuffer metadata(int type, long sectors) {
        ByteBuffer b = ByteBuffer.allocate(512).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(0, sectors);
        b.putInt(12, type);
        return b;
    }

    boolean isMetadata(int expectedType) {
        return size == 0 && type == expectedType;
    }

    /** The compressed byte count as an unsigned number. */
    long compressedBytes() {
        return Integer.toUnsignedLong(size);
    }
}
