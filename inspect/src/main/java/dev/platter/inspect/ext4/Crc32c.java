package dev.platter.inspect.ext4;

/**
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78) as ext4 uses it: a raw running value, seeded by the
 * caller, without the final inversion. {@code java.util.zip.CRC32C} cannot be seeded, hence this table version
 * (slicing by 8).
 */
final class Crc32c {
    private static final int[][] T = new int[8][256];

    static {
        for (int i = 0; i < 256; i++) {
            int c = i;
            for (int k = 0; k < 8; k++) {
                c = (c >>> 1) ^ ((c & 1) != 0 ? 0x82F63B78 : 0);
            }
            T[0][i] = c;
        }
        for (int i = 0; i < 256; i++) {
            for (int s = 1; s < 8; s++) {
                T[s][i] = (T[s - 1][i] >>> 8) ^ T[0][T[s - 1][i] & 0xFF];
            }
        }
    }

    private Crc32c() {
    }

    static int update(int crc, byte[] b, int off, int len) {
        int[] t0 = T[0], t1 = T[1], t2 = T[2], t3 = T[3], t4 = T[4], t5 = T[5], t6 = T[6], t7 = T[7];
        while (len >= 8) {
            int lo = crc ^ Le.i32(b, off);
            int hi = Le.i32(b, off + 4);
            crc = t7[lo & 0xFF] ^ t6[(lo >>> 8) & 0xFF] ^ t5[(lo >>> 16) & 0xFF] ^ t4[lo >>> 24]
                    ^ t3[hi & 0xFF] ^ t2[(hi >>> 8) & 0xFF] ^ t1[(hi >>> 16) & 0xFF] ^ t0[hi >>> 24];
            off += 8;
            len -= 8;
        }
        while (len-- > 0) {
            crc = t0[(crc ^ b[off++]) & 0xFF] ^ (crc >>> 8);
        }
        return crc;
    }

    static int update(int crc, byte[] b) {
        return update(crc, b, 0, b.length);
    }

    /** Feeds a little-endian 32-bit value. */
    static int update32(int crc, int value) {
        for (int i = 0; i < 4; i++) {
            crc = T[0][(crc ^ (value >>> (8 * i))) & 0xFF] ^ (crc >>> 8);
        }
        return crc;
    }

    /** Feeds {@code n} zero bytes (a checksum field counted as zero). */
    static int updateZeros(int crc, int n) {
        for (int i = 0; i < n; i++) {
            crc = T[0][crc & 0xFF] ^ (crc >>> 8);
        }
        return crc;
    }
}
