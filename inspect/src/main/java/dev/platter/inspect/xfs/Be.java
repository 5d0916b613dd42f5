package dev.platter.inspect.xfs;

/**
 * Big-endian field access on byte arrays (all XFS metadata is big-endian, except the v5 CRC fields). Callers check
 * that the structure fits before reading; an index outside the array is a bug, caught at the API boundary.
 */
final class Be {
    private Be() {
    }

    static int u8(byte[] b, int off) {
        return b[off] & 0xFF;
    }

    static int u16(byte[] b, int off) {
        return ((b[off] & 0xFF) << 8) | (b[off + 1] & 0xFF);
    }

    static long u32(byte[] b, int off) {
        return s32(b, off) & 0xFFFF_FFFFL;
    }

    static int s32(byte[] b, int off) {
        return ((b[off] & 0xFF) << 24) | ((b[off + 1] & 0xFF) << 16) | ((b[off + 2] & 0xFF) << 8) | (b[off + 3] & 0xFF);
    }

    static long u64(byte[] b, int off) {
        return ((long) s32(b, off) << 32) | u32(b, off + 4);
    }

    /** A little-endian u32: the v5 CRC fields. */
    static long le32(byte[] b, int off) {
        return ((b[off] & 0xFFL)) | ((b[off + 1] & 0xFFL) << 8) | ((b[off + 2] & 0xFFL) << 16)
                | ((b[off + 3] & 0xFFL) << 24);
    }

    static byte[] slice(byte[] b, int off, int len) {
        byte[] out = new byte[len];
        System.arraycopy(b, off, out, 0, len);
        return out;
    }

    /** The four ASCII characters of a 32-bit magic, for messages. */
    static String magicText(long magic) {
        StringBuilder s = new StringBuilder();
        for (int shift = 24; shift >= 0; shift -= 8) {
            int c = (int) (magic >>> shift) & 0xFF;
            s.append(c >= 0x20 && c < 0x7F ? (char) c : '.');
        }
        return s + " (0x" + Long.toHexString(magic) + ")";
    }
}
