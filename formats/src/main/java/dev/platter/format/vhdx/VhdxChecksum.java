package dev.platter.format.vhdx;

import java.util.zip.CRC32C;

/**
 * The CRC-32C every VHDX header, region table and log entry carries over its whole extent, computed with its own
 * checksum field (4 bytes at offset 4) taken as zero.
 */
final class VhdxChecksum {
    static final int FIELD = 4;

    private VhdxChecksum() {
    }

    /** The checksum of {@code b[off, off+len)} with the field at {@code off + 4} as zeros; {@code b} is unchanged. */
    static int of(byte[] b, int off, int len) {
        CRC32C crc = new CRC32C();
        crc.update(b, off, FIELD);
        crc.update(new byte[4]);
        crc.update(b, off + FIELD + 4, len - FIELD - 4);
        return (int) crc.getValue();
    }

    static int stored(byte[] b, int off) {
        return (b[off + FIELD] & 0xff) | (b[off + FIELD + 1] & 0xff) << 8 | (b[off + FIELD + 2] & 0xff) << 16
                | (b[off + FIELD + 3] & 0xff) << 24;
    }

    static boolean valid(byte[] b, int off, int len) {
        return of(b, off, len) == stored(b, off);
    }

    /** Stores the checksum of {@code b[off, off+len)} in its field. */
    static void seal(byte[] b, int off, int len) {
        int c = of(b, off, len);
        b[off + FIELD] = (byte) c;
        b[off + FIELD + 1] = (byte) (c >>> 8);
        b[off + FIELD + 2] = (byte) (c >>> 16);
        b[off + FIELD + 3] = (byte) (c >>> 24);
    }
}
