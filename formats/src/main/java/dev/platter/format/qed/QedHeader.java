package dev.platter.format.qed;

import dev.platter.core.CorruptImageException;
import dev.platter.core.UnsupportedFeatureException;
import dev.platter.core.storage.Storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The QED header (64 bytes, little-endian), checked as qemu 7.2's bdrv_qed_do_open checks it, in its order and
 * with its messages; offsets in tables are then checked against the file as qemu's qed_check_cluster_offset does.
 */
final class QedHeader {
    static final int MAGIC = 0x00444551; // "QED\0"
    static final int SIZE = 64;
    static final long F_BACKING_FILE = 0x01;
    static final long F_NEED_CHECK = 0x02;
    static final long F_BACKING_FORMAT_NO_PROBE = 0x04;
    static final long FEATURE_MASK = F_BACKING_FILE | F_NEED_CHECK | F_BACKING_FORMAT_NO_PROBE;
    static final long MIN_CLUSTER = 4096;
    static final long MAX_CLUSTER = 64L << 20;
    static final long MAX_TABLE_CLUSTERS = 16;

    final long clusterSize;
    final long tableSize;
    final long headerSize;
    final long features;
    final long l1Offset;
    final long imageSize;
    final long backingNameOffset;
    final long backingNameSize;
    /** The file's size rounded down to whole clusters: no cluster may start at or after it. */
    final long fileEnd;

    private QedHeader(ByteBuffer b, long fileEnd) {
        this.clusterSize = u32(b, 4);
        this.tableSize = u32(b, 8);
        this.headerSize = u32(b, 12);
        this.features = b.getLong(16);
        this.l1Offset = b.getLong(40);
        this.imageSize = b.getLong(48);
        this.backingNameOffset = u32(b, 56);
        this.backingNameSize = u32(b, 60);
        this.fileEnd = fileEnd;
    }

    static QedHeader read(Storage storage) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
        storage.readAt(0, b.duplicate()); // past the end reads as zeros, as qemu's pread
        String where = "qed header of '" + storage.name() + "'";
        if (b.getInt(0) != MAGIC) {
            throw new CorruptImageException(where, 0, "Image not in QED format");
        }
        long unknown = b.getLong(16) & ~FEATURE_MASK;
        if (unknown != 0) {
            throw new UnsupportedFeatureException("qed features 0x" + Long.toHexString(unknown),
                    "Unsupported QED features: " + Long.toHexString(unknown));
        }
        long cluster = u32(b, 4);
        if (!powerOfTwoIn(cluster, MIN_CLUSTER, MAX_CLUSTER)) {
            throw new CorruptImageException(where, 4, "QED cluster size is invalid (" + cluster + ")");
        }
        QedHeader h = new QedHeader(b, storage.size() & ~(cluster - 1));
        if (!powerOfTwoIn(h.tableSize, 1, MAX_TABLE_CLUSTERS)) {
            throw new CorruptImageException(where, 8, "QED table size is invalid (" + h.tableSize + " clusters)");
        }
        long entries = h.tableEntries();
        long max = entries * entries * cluster; // wraps as qemu's uint64_t arithmetic does
        if (h.imageSize % 512 != 0 || Long.compareUnsigned(h.imageSize, max) > 0 || h.imageSize < 0) {
            throw new CorruptImageException(where, 48, "QED image size is invalid ("
                    + Long.toUnsignedString(h.imageSize) + " bytes)");
        }
        if (!h.validTableOffset(h.l1Offset)) {
            throw new CorruptImageException(where, 40, "QED table offset is invalid ("
                    + Long.toUnsignedString(h.l1Offset) + ")");
        }
        if (h.headerSize > 0xffffffffL / cluster) {
            throw new CorruptImageException(where, 12, "QED header size is too large (" + h.headerSize
                    + " clusters)");
        }
        if ((h.features & F_BACKING_FILE) != 0
                && h.backingNameOffset + h.backingNameSize > cluster * h.headerSize) {
            throw new CorruptImageException(where, 56, "QED backing filename offset is invalid");
        }
        return h;
    }

    /** Entries of an L1 or L2 table (8 bytes each). */
    long tableEntries() {
        return clusterSize * tableSize / 8;
    }

    long tableBytes() {
        return clusterSize * tableSize;
    }

    /** qemu's qed_check_cluster_offset: cluster-aligned, after the header, before the end of the file. */
    boolean validClusterOffset(long offset) {
        return (offset & (clusterSize - 1)) == 0 && Long.compareUnsigned(offset, headerSize * clusterSize) >= 0
                && Long.compareUnsigned(offset, fileEnd) < 0;
    }

    /** qemu's qed_check_table_offset: its first and last cluster valid (and no wrap-around). */
    boolean validTableOffset(long offset) {
        long end = offset + (tableSize - 1) * clusterSize;
        return Long.compareUnsigned(end, offset) > 0 && validClusterOffset(offset) && validClusterOffset(end);
    }

    boolean hasBacking() {
        return (features & F_BACKING_FILE) != 0;
    }

    private static boolean powerOfTwoIn(long v, long min, long max) {
        return Long.bitCount(v) == 1 && v >= min && v <= max;
    }

    private static long u32(ByteBuffer b, int at) {
        return Integer.toUnsignedLong(b.getInt(at));
    }
}
