package dev.platter.inspect.xfs;

/**
 * The inode core as an inode log item carries it (xfs_log_dinode): the fields of the on-disk core in the writer's
 * byte order, 176 bytes for v3 inodes, 96 (no next-unlinked pointer) for v1/v2. {@link #toDisk} writes it over an
 * on-disk core as xfs_log_dinode_to_disk does: big-endian, timestamps converted (bigtime: one 64-bit count; legacy:
 * seconds and nanoseconds), the LSN of the replayed transaction, v3 padding cleared; the next-unlinked pointer and
 * the CRC are left to the buffer.
 */
final class LogDinode {
    static final int V2_SIZE = 96;
    static final int V3_SIZE = 176;

    private LogDinode() {
    }

    static int magic(byte[] l) {
        return Le.u16(l, 0);
    }

    static int mode(byte[] l) {
        return Le.u16(l, 2);
    }

    static int version(byte[] l) {
        return l[4];
    }

    static int format(byte[] l) {
        return l[5];
    }

    static long flags2(byte[] l) {
        return version(l) >= 3 ? Le.u64(l, 120) : 0;
    }

    static boolean nrext64(byte[] l) {
        return (flags2(l) & InodeCore.FLAG2_NREXT64) != 0;
    }

    static int flushIter(byte[] l) {
        return Le.u16(l, 30);
    }

    static long nblocks(byte[] l) {
        return Le.u64(l, 64);
    }

    static long dataExtents(byte[] l) {
        return nrext64(l) ? Le.u64(l, 24) : Le.u32(l, 76);
    }

    static long attrExtents(byte[] l) {
        return nrext64(l) ? Le.u32(l, 76) : Le.u16(l, 80);
    }

    static int forkOff(byte[] l) {
        return l[82] & 0xFF;
    }

    private static void be16(byte[] d, int off, int v) {
        d[off] = (byte) (v >>> 8);
        d[off + 1] = (byte) v;
    }

    static void be32(byte[] d, int off, long v) {
        be16(d, off, (int) (v >>> 16));
        be16(d, off + 2, (int) v);
    }

    static void be64(byte[] d, int off, long v) {
        be32(d, off, v >>> 32);
        be32(d, off + 4, v);
    }

    private static void timestamp(byte[] l, int off, byte[] d, int doff, boolean bigtime) {
        if (bigtime) {
            be64(d, doff, Le.u64(l, off));
        } else {
            be32(d, doff, Le.u32(l, off));
            be32(d, doff + 4, Le.u32(l, off + 4));
        }
    }

    /** Writes the log dinode {@code l} over the on-disk core at {@code d[off]}, with {@code lsn} as its LSN. */
    static void toDisk(byte[] l, byte[] d, int off, long lsn) {
        int version = version(l);
        boolean v3 = version >= 3;
        boolean bigtime = v3 && (flags2(l) & InodeCore.FLAG2_BIGTIME) != 0;
        be16(d, off, magic(l));
        be16(d, off + 2, mode(l));
        d[off + 4] = l[4];
        d[off + 5] = l[5];
        be16(d, off + 6, Le.u16(l, 6));
        be32(d, off + 8, Le.u32(l, 8));
        be32(d, off + 12, Le.u32(l, 12));
        be32(d, off + 16, Le.u32(l, 16));
        be16(d, off + 20, Le.u16(l, 20));
        be16(d, off + 22, Le.u16(l, 22));
        timestamp(l, 32, d, off + 32, bigtime);
        timestamp(l, 40, d, off + 40, bigtime);
        timestamp(l, 48, d, off + 48, bigtime);
        be64(d, off + 56, Le.u64(l, 56));
        be64(d, off + 64, Le.u64(l, 64));
        be32(d, off + 72, Le.u32(l, 72));
        d[off + 82] = l[82];
        d[off + 83] = l[83];
        be32(d, off + 84, Le.u32(l, 84));
        be16(d, off + 88, Le.u16(l, 88));
        be16(d, off + 90, Le.u16(l, 90));
        be32(d, off + 92, Le.u32(l, 92));
        if (v3) {
            be64(d, off + 104, Le.u64(l, 104));
            timestamp(l, 144, d, off + 144, bigtime);
            be64(d, off + 120, Le.u64(l, 120));
            be32(d, off + 128, Le.u32(l, 128));
            be64(d, off + 152, Le.u64(l, 152));
            be64(d, off + 112, lsn);
            java.util.Arrays.fill(d, off + 132, off + 144, (byte) 0);
            System.arraycopy(l, 160, d, off + 160, 16);
            be64(d, off + 24, 0);
        } else {
            java.util.Arrays.fill(d, off + 24, off + 30, (byte) 0);
            be16(d, off + 30, flushIter(l));
        }
        if (nrext64(l)) {
            be64(d, off + 24, Le.u64(l, 24));
            be32(d, off + 76, Le.u32(l, 76));
            be16(d, off + 80, Le.u16(l, 80));
        } else {
            be32(d, off + 76, Le.u32(l, 76));
            be16(d, off + 80, Le.u16(l, 80));
        }
    }
}
