package dev.platter.inspect.lvm;

/**
 * LVM2's checksum (lib/misc/crc.c): CRC-32 with the reflected polynomial 0xEDB88320 like zlib's, but seeded with
 * 0xF597A6CF and without the final inversion, so java.util.zip.CRC32 cannot compute it.
 */
public final class LvmCrc {
    public static final int INITIAL = 0xF597A6CF;
    private static final int[] TABLE = new int[256];

    static {
        for (int i = 0; i < 256; i++) {
            int c = i;
            for (int k = 0; k < 8; k++) {
                c = (c & 1) != 0 ? 0xEDB88320 ^ (c >>> 1) : c >>> 1;
            }
            TABLE[i] = c;
        }
    }

    private LvmCrc() {
    }

    public static int update(int crc, byte[] b, int off, int len) {
        for (int i = off; i < off + len; i++) {
            crc = TABLE[(crc ^ b[i]) & 0xFF] ^ (crc >>> 8);
        }
        return crc;
    }

    public static int of(byte[] b, int off, int len) {
        return update(INITIAL, b, off, len);
    }
}
