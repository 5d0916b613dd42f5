package dev.platter.format.qcow;

import dev.platter.core.CorruptImageException;
import dev.platter.core.UnsupportedFeatureException;
import dev.platter.core.storage.Storage;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The 48-byte header of qcow version 1 (big-endian), checked as qemu 7.2's qcow_open checks it, in its order and
 * with its messages; crypt_method 0 (none) or 1 (legacy AES).
 */
final class QcowHeader {
    static final int MAGIC = 0x514649fb; // "QFI\xfb"
    static final int SIZE = 48;
    static final int CRYPT_NONE = 0;
    static final int CRYPT_AES = 1;

    final long backingOffset;
    final long backingSize;
    final long size;
    final int clusterBits;
    final int l2Bits;
    final long l1Offset;
    final long l1Entries;
    final int crypt;

    private QcowHeader(long backingOffset, long backingSize, long size, int clusterBits, int l2Bits, long l1Offset,
                       long l1Entries, int crypt) {
        this.backingOffset = backingOffset;
        this.backingSize = backingSize;
        this.size = size;
        this.clusterBits = clusterBits;
        this.l2Bits = l2Bits;
        this.l1Offset = l1Offset;
        this.l1Entries = l1Entries;
        this.crypt = crypt;
    }

    static QcowHeader read(Storage storage) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(SIZE);
        storage.readAt(0, b.duplicate()); // past the end reads as zeros, as qemu's pread
        String where = "qcow header of '" + storage.name() + "'";
        if (b.getInt(0) != MAGIC) {
            throw new CorruptImageException(where, 0, "Image not in qcow format");
        }
        int version = b.getInt(4);
        if (version != 1) {
            throw new UnsupportedFeatureException("qcow version " + Integer.toUnsignedString(version),
                    "qcow (v1) does not support qcow version " + Integer.toUnsignedString(version)
                            + (version == 2 || version == 3 ? " (try the qcow2 format)" : ""));
        }
        long size = b.getLong(24);
        if (Long.compareUnsigned(size, 1) <= 0) {
            throw new CorruptImageException(where, 24, "Image size is too small (must be at least 2 bytes)");
        }
        int clusterBits = b.get(32) & 0xff;
        if (clusterBits < 9 || clusterBits > 16) {
            throw new CorruptImageException(where, 32, "Cluster size must be between 512 and 64k");
        }
        int l2Bits = b.get(33) & 0xff;
        if (l2Bits < 9 - 3 || l2Bits > 16 - 3) {
            throw new CorruptImageException(where, 33, "L2 table size must be between 512 and 64k");
        }
        int crypt = b.getInt(36);
        if (crypt != CRYPT_NONE && crypt != CRYPT_AES) {
            throw new CorruptImageException(where, 36, "invalid encryption method in qcow header ("
                    + Integer.toUnsignedString(crypt) + ")");
        }
        int shift = clusterBits + l2Bits;
        if (Long.compareUnsigned(size, -1L - (1L << shift)) > 0) {
            throw new CorruptImageException(where, 24, "Image too large");
        }
        long l1Entries = Long.divideUnsigned(size + (1L << shift) - 1, 1L << shift);
        if (l1Entries > Integer.MAX_VALUE / 8) {
            throw new CorruptImageException(where, 24, "Image too large (" + l1Entries + " L1 entries)");
        }
        // qemu's virtual size is the header's in whole sectors
        long sectors = Long.divideUnsigned(size, 512);
        if (sectors > Long.MAX_VALUE / 512) {
            throw new CorruptImageException(where, 24, "Image too large");
        }
        return new QcowHeader(b.getLong(8), Integer.toUnsignedLong(b.getInt(16)), sectors * 512, clusterBits,
                l2Bits, b.getLong(40), l1Entries, crypt);
    }

    long clusterSize() {
        return 1L << clusterBits;
    }

    /** Legacy AES (crypt_method 1). */
    boolean encrypted() {
        return crypt == CRYPT_AES;
    }

    int l2Entries() {
        return 1 << l2Bits;
    }
}
