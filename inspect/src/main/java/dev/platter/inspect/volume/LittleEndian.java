package dev.platter.inspect.volume;

/** Little-endian field reads from on-disk byte arrays (MBR, GPT and LVM2's binary headers are little-endian). */
public final class LittleEndian {
    private LittleEndian() {
    }

    public static int u8(byte[] b, int off) {
        return b[off] & 0xFF;
    }

    public static int u16(byte[] b, int off) {
        return (b[off] & 0xFF) | (b[off + 1] & 0xFF) << 8;
    }

    /** An unsigned 32-bit field, widened to long. */
    public static long u32(byte[] b, int off) {
        return (b[off] & 0xFFL) | (b[off + 1] & 0xFFL) << 8 | (b[off + 2] & 0xFFL) << 16 | (b[off + 3] & 0xFFL) << 24;
    }

    /** A 64-bit field; values above Long.MAX_VALUE come out negative and callers must treat them as out of range. */
    public static long u64(byte[] b, int off) {
        return u32(b, off) | u32(b, off + 4) << 32;
    }
}
