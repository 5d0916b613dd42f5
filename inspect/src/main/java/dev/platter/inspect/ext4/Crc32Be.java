package dev.platter.inspect.ext4;

/**
 * The big-endian (MSB-first) CRC-32, polynomial 0x04C11DB7, without final inversion: what jbd2's version-1
 * transaction checksums (the compat {@code checksum} feature, {@code journal_checksum} without metadata_csum) use.
 */
final class Crc32Be {
    private static final int[] T = new int[256];

    static {
        for (int i = 0; i < 256; i++) {
            int c = i << 24;
            for (int k = 0; k < 8; k++) {
                c = (c & 0x80000000) != 0 ? (c << 1) ^ 0x04C11DB7 : c << 1;
            }
            T[i] = c;
        }
    }

    private Crc32Be() {
    }

    static int update(int crc, byte[] b, int off, int len) {
        for (int i = off; i < off + len; i++) {
            crc = (crc << 8) ^ T[((crc >>> 24) ^ b[i]) & 0xFF];
        }
        return crc;
    }
}
