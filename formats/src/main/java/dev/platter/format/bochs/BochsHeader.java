package dev.platter.format.bochs;

import dev.platter.core.CorruptImageException;
import dev.platter.core.storage.Storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The 512-byte header of a Bochs growing redolog (versions 1 and 2, little-endian), checked as qemu 7.2's
 * bochs_open checks it, in its order and with its messages.
 */
final class BochsHeader {
    static final int SIZE = 512;
    static final String MAGIC = "Bochs Virtual HD Image";
    static final String TYPE = "Redolog";
    static final String SUBTYPE = "Growing";
    static final int VERSION_2 = 0x00020000;
    static final int VERSION_1 = 0x00010000;
    /** qemu's bound: what bximage needs for its largest disk (about 8 TB). */
    static final long MAX_CATALOG = 0x100000;
    static final long MAX_EXTENT = 0x800000;

    final long headerSize;
    final long catalogEntries;
    final long sectors;
    final long extentSize;
    /** qemu's arithmetic, unsigned 32-bit: 1 + (size - 1) / 512 for the bitmap and the extent. */
    final long bitmapBlocks;
    final long extentBlocks;

    private BochsHeader(long headerSize, long catalogEntries, long sectors, long extentSize, long bitmapBlocks,
                        long extentBlocks) {
        this.headerSize = headerSize;
        this.catalogEntries = catalogEntries;
        this.sectors = sectors;
        this.extentSize = extentSize;
        this.bitmapBlocks = bitmapBlocks;
        this.extentBlocks = extentBlocks;
    }

    /** qemu's bochs_probe: the three NUL-terminated names and version 1 or 2. */
    static boolean matches(ByteBuffer b) {
        if (b.limit() < SIZE) {
            return false;
        }
        int version = b.getInt(64);
        return cString(b, 0, MAGIC) && cString(b, 32, TYPE) && cString(b, 48, SUBTYPE)
                && (version == VERSION_2 || version == VERSION_1);
    }

    static BochsHeader read(Storage storage) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
        storage.readAt(0, b.duplicate()); // past the end reads as zeros, as qemu's pread
        String where = "bochs header of '" + storage.name() + "'";
        if (!matches(b)) {
            throw new CorruptImageException(where, 0, "Image not in Bochs format");
        }
        long disk = b.getInt(64) == VERSION_1 ? b.getLong(84) : b.getLong(88);
        long sectors = Long.divideUnsigned(disk, 512);
        if (sectors > Long.MAX_VALUE / 512) {
            throw new CorruptImageException(where, 84, "a disk of " + Long.toUnsignedString(disk)
                    + " bytes is more than a disk can hold");
        }
        long catalog = u32(b, 72);
        if (catalog > MAX_CATALOG) {
            throw new CorruptImageException(where, 72, "Catalog size is too large (" + catalog + " entries)");
        }
        long extent = u32(b, 80);
        long bitmapBlocks = 1 + ((u32(b, 76) - 1) & 0xffffffffL) / 512;
        long extentBlocks = 1 + ((extent - 1) & 0xffffffffL) / 512;
        if (extent < 512) {
            throw new CorruptImageException(where, 80, "Extent size must be at least 512");
        }
        if (Long.bitCount(extent) != 1) {
            throw new CorruptImageException(where, 80, "Extent size " + extent + " is not a power of two");
        }
        if (extent > MAX_EXTENT) {
            throw new CorruptImageException(where, 80, "Extent size " + extent + " is too large");
        }
        long perExtent = extent / 512;
        if (catalog < (sectors + perExtent - 1) / perExtent) {
            throw new CorruptImageException(where, 72, "Catalog size is too small for this disk size");
        }
        return new BochsHeader(u32(b, 68), catalog, sectors, extent, bitmapBlocks, extentBlocks);
    }

    private static boolean cString(ByteBuffer b, int at, String text) {
        byte[] t = text.getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < t.length; i++) {
            if (b.get(at + i) != t[i]) {
                return false;
            }
        }
        return b.get(at + t.length) == 0;
    }

    private static long u32(ByteBuffer b, int at) {
        return Integer.toUnsignedLong(b.getInt(at));
    }
}
