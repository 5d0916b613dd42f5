package dev.platter.format.parallels;

import dev.platter.core.CorruptImageException;
import dev.platter.core.storage.Storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The 64-byte Parallels (ploop) header, little-endian, checked as qemu 7.2's parallels_open checks it, with its
 * messages. Two magics: the old one ({@code WithoutFreeSpace}: 32-bit size, catalog entries in sectors) and the
 * extended one ({@code WithouFreSpacExt}: 64-bit size, entries in clusters).
 */
final class ParallelsHeader {
    static final int SIZE = 64;
    static final String MAGIC = "WithoutFreeSpace";
    static final String MAGIC_EXT = "WithouFreSpacExt";
    static final int VERSION = 2;
    static final int INUSE_MAGIC = 0x746F6E59;

    /** Sectors per cluster ("tracks"). */
    final long tracks;
    final long catalogEntries;
    final long sectors;
    /** Sectors per catalog unit: 1 for the old magic, a cluster for the extended one. */
    final long offsetMultiplier;
    final boolean inUse;
    final long extensionOffset;

    private ParallelsHeader(long tracks, long catalogEntries, long sectors, long offsetMultiplier, boolean inUse,
                            long extensionOffset) {
        this.tracks = tracks;
        this.catalogEntries = catalogEntries;
        this.sectors = sectors;
        this.offsetMultiplier = offsetMultiplier;
        this.inUse = inUse;
        this.extensionOffset = extensionOffset;
    }

    static boolean hasMagic(ByteBuffer b) {
        return startsWith(b, MAGIC) || startsWith(b, MAGIC_EXT);
    }

    static ParallelsHeader read(Storage storage) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
        storage.readAt(0, b.duplicate()); // past the end reads as zeros, as qemu's pread
        String where = "parallels header of '" + storage.name() + "'";
        long sectors = b.getLong(0x24);
        long tracks = Integer.toUnsignedLong(b.getInt(0x1c));
        long multiplier;
        if (b.getInt(0x10) != VERSION) {
            throw new CorruptImageException(where, 0, "Image not in Parallels format");
        }
        if (startsWith(b, MAGIC)) {
            multiplier = 1;
            sectors &= 0xffffffffL;
        } else if (startsWith(b, MAGIC_EXT)) {
            multiplier = tracks;
        } else {
            throw new CorruptImageException(where, 0, "Image not in Parallels format");
        }
        if (tracks == 0) {
            throw new CorruptImageException(where, 0x1c, "Invalid image: Zero sectors per track");
        }
        if (tracks > Integer.MAX_VALUE / 513) {
            throw new CorruptImageException(where, 0x1c, "Invalid image: Too big cluster (" + tracks
                    + " sectors)");
        }
        long entries = Integer.toUnsignedLong(b.getInt(0x20));
        if (entries > Integer.MAX_VALUE / 4) {
            throw new CorruptImageException(where, 0x20, "Catalog too large (" + entries + " entries)");
        }
        if (sectors < 0 || sectors > Long.MAX_VALUE / 512) {
            throw new CorruptImageException(where, 0x24, "a disk of " + Long.toUnsignedString(sectors)
                    + " sectors is more than a disk can hold");
        }
        return new ParallelsHeader(tracks, entries, sectors, multiplier, b.getInt(0x2c) == INUSE_MAGIC,
                b.getLong(0x38));
    }

    private static boolean startsWith(ByteBuffer b, String magic) {
        byte[] m = magic.getBytes(StandardCharsets.US_ASCII);
        if (b.limit() < m.length) {
            return false;
        }
        for (int i = 0; i < m.length; i++) {
            if (b.get(i) != m[i]) {
                return false;
            }
        }
        return true;
    }
}
