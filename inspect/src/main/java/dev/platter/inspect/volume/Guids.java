package dev.platter.inspect.volume;

import java.util.UUID;

/** GUIDs as GPT stores them: the first three groups little-endian, the last two as written. */
public final class Guids {
    private Guids() {
    }

    public static UUID parseMixedEndian(byte[] b, int off) {
        long msb = LittleEndian.u32(b, off) << 32 | (long) LittleEndian.u16(b, off + 4) << 16
                | LittleEndian.u16(b, off + 6);
        long lsb = 0;
        for (int i = 8; i < 16; i++) {
            lsb = lsb << 8 | (b[off + i] & 0xFF);
        }
        return new UUID(msb, lsb);
    }

    public static boolean isZero(byte[] b, int off) {
        for (int i = 0; i < 16; i++) {
            if (b[off + i] != 0) {
                return false;
            }
        }
        return true;
    }
}
