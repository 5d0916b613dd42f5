package dev.platter.format.vmdk;

import dev.platter.core.UnsupportedFeatureException;
import dev.platter.core.CorruptImageException;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The two headers of a seSparse extent (ESXi 6.5+ snapshots), checked as strictly as qemu checks them (the format is
 * not documented): the constant header at sector 0 (magic 0xcafebabe, version 2.1, 4 KiB grains, grain tables of
 * 64 sectors, no flags, zero reserved fields and padding) and the volatile header (magic 0xcafecafe, no journal to
 * replay, zero padding). Little-endian 64-bit fields; offsets and sizes in sectors.
 */
final class SeSparseHeader {
    static final long CONST_MAGIC = 0xcafebabeL;
    static final long VOLATILE_MAGIC = 0xcafecafeL;
    static final long VERSION = 0x0000000200000001L;
    static final long GRAIN_SECTORS = 8;
    static final long TABLE_SECTORS = 64;

    final long capacity;
    final long volatileHeaderOffset;
    final long gdOffset;
    final long gdSectors;
    final long gtOffset;
    final long grainsOffset;

    private SeSparseHeader(ByteBuffer b) {
        capacity = b.getLong(16);
        volatileHeaderOffset = b.getLong(80);
        gdOffset = b.getLong(128);
        gdSectors = b.getLong(136);
        gtOffset = b.getLong(144);
        grainsOffset = b.getLong(192);
    }

    /** Parses and checks the constant header (one sector). */
    static SeSparseHeader parse(ByteBuffer sector, String where) throws java.io.IOException {
        ByteBuffer b = sector.slice().order(ByteOrder.LITTLE_ENDIAN);
        long magic = b.getLong(0);
        if (magic != CONST_MAGIC) {
            throw new CorruptImageException(where, 0, "Bad const header magic: 0x" + hex(magic));
        }
        long version = b.getLong(8);
        if (version != VERSION) {
            throw new UnsupportedFeatureException("seSparse version", "Unsupported version: 0x" + hex(version));
        }
        if (b.getLong(24) != GRAIN_SECTORS) {
            throw new UnsupportedFeatureException("seSparse grain size", "Unsupported grain size: "
                    + Long.toUnsignedString(b.getLong(24)));
        }
        if (b.getLong(32) != TABLE_SECTORS) {
            throw new UnsupportedFeatureException("seSparse grain table size", "Unsupported grain table size: "
                    + Long.toUnsignedString(b.getLong(32)));
        }
        if (b.getLong(40) != 0) {
            throw new UnsupportedFeatureException("seSparse flags", "Unsupported flags: 0x" + hex(b.getLong(40)));
        }
        if ((b.getLong(48) | b.getLong(56) | b.getLong(64) | b.getLong(72)) != 0) {
            throw new UnsupportedFeatureException("seSparse reserved bits", "Unsupported reserved bits: 0x"
                    + hex(b.getLong(48)) + " 0x" + hex(b.getLong(56)) + " 0x" + hex(b.getLong(64)) + " 0x"
                    + hex(b.getLong(72)));
        }
        if (!zero(b, 208, 512)) {
            throw new UnsupportedFeatureException("seSparse padding", "Unsupported non-zero const header padding");
        }
        return new SeSparseHeader(b);
    }

    /** Checks the volatile header (one sector). */
    static void checkVolatile(ByteBuffer sector, String where, long offset) throws java.io.IOException {
        ByteBuffer b = sector.slice().order(ByteOrder.LITTLE_ENDIAN);
        if (b.getLong(0) != VOLATILE_MAGIC) {
            throw new CorruptImageException(where, offset, "Bad volatile header magic: 0x" + hex(b.getLong(0)));
        }
        if (b.getLong(24) != 0) {
            throw new UnsupportedFeatureException("seSparse journal", "Image is dirty, Replaying journal not "
                    + "supported");
        }
        if (!zero(b, 32, 512)) {
            throw new UnsupportedFeatureException("seSparse padding", "Unsupported non-zero volatile header "
                    + "padding");
        }
    }

    private static boolean zero(ByteBuffer b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b.get(i) != 0) {
                return false;
            }
        }
        return true;
    }

    private static String hex(long v) {
        return String.format("%016x", v);
    }

    /** Both headers as an ESXi writer lays them out (for tests and fuzz seeds): volatile header at sector 1. */
    static ByteBuffer build(long capacity, long gdOffset, long gdSectors, long gtOffset, long gtSectors,
                            long grainsOffset, long grainsSectors) {
        ByteBuffer b = ByteBuffer.allocate(1024).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(0, CONST_MAGIC).putLong(8, VERSION).putLong(16, capacity).putLong(24, GRAIN_SECTORS)
                .putLong(32, TABLE_SECTORS).putLong(80, 1).putLong(88, 1).putLong(128, gdOffset)
                .putLong(136, gdSectors).putLong(144, gtOffset).putLong(152, gtSectors).putLong(192, grainsOffset)
                .putLong(200, grainsSectors);
        b.putLong(512, VOLATILE_MAGIC);
        return b;
    }
}
