package dev.platter.inspect.xfs;

/**
 * Little-endian field access: log items (buffer, inode and intent formats, the log dinode) are written in the
 * writing CPU's order, and only logs of little-endian Linux hosts (h_fmt 1) are replayed.
 */
final class Le {
    private Le() {
    }

    static int u16(byte[] b, int off) {
        return (b[off] & 0xFF) | ((b[off + 1] & 0xFF) << 8);
    }

    static long u32(byte[] b, int off) {
        return Be.le32(b, off);
    }

    static int s32(byte[] b, int off) {
        return (int) Be.le32(b, off);
    }

    static long u64(byte[] b, int off) {
        return u32(b, off) | (u32(b, off + 4) << 32);
    }
}
