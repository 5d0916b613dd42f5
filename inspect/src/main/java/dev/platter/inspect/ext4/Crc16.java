package dev.platter.inspect.ext4;

/** The CRC-16 of uninit_bg group descriptors (reflected polynomial 0xA001, no final inversion). */
final class Crc16 {
    private static final int[] T = new int[256];

    static {
        for (int i = 0; i < 256; i++) {
            int c = i;
            for (int k = 0; k < 8; k++) {
                c = (c >>> 1) ^ ((c & 1) != 0 ? 0xA001 : 0);
            }
            T[i] = c;
        }
    }

    private Crc16() {
    }

    static int update(int crc, byte[] b, int off, int len) {
        for (int i = 0; i < len; i++) {
            crc = (crc >>> 8) ^ T[(crc ^ b[off + i]) & 0xFF];
        }
        return crc & 0xFFFF;
    }
}
