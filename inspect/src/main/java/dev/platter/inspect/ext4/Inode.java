package dev.platter.inspect.ext4;

import java.time.Instant;

/**
 * One inode record ({@code s_inode_size} bytes): the classic 128 bytes, then {@code i_extra_isize} bytes of extra
 * fields, then in-inode extended attributes. The raw record is kept for the block map / extent root in
 * {@code i_block}, inline data and in-inode xattrs.
 */
final class Inode {
    static final int FLAG_INDEX = 0x1000;
    static final int FLAG_HUGE_FILE = 0x40000;
    static final int FLAG_EXTENTS = 0x80000;
    static final int FLAG_EA_INODE = 0x200000;
    static final int FLAG_INLINE_DATA = 0x10000000;
    static final int FLAG_ENCRYPT = 0x800;
    static final int FLAG_CASEFOLD = 0x40000000;

    static final int I_BLOCK = 0x28;
    static final int I_BLOCK_SIZE = 60;
    static final int CHECKSUM_LO = 0x7C;
    static final int CHECKSUM_HI = 0x82;
    static final int GOOD_OLD_SIZE = 128;
    static final int DTIME = 0x14;
    static final int EXTRA_ISIZE = 0x80;
    static final int FLAG_VERITY = 0x100000;

    final long number;
    final byte[] raw;
    final int mode;
    final long uid;
    final long gid;
    final long sizeLo;
    final long sizeHigh;
    final int linksCount;
    final long blocksLo;
    final int blocksHigh;
    final int flags;
    final long generation;
    final long fileAcl;
    /** i_extra_isize, or 0 for 128-byte inodes; not yet validated against the record size. */
    final int extraIsize;

    Inode(long number, byte[] raw, boolean is64Bit) {
        this.number = number;
        this.raw = raw;
        mode = Le.u16(raw, 0x00);
        uid = Le.u16(raw, 0x02) | (long) Le.u16(raw, 0x78) << 16;
        gid = Le.u16(raw, 0x18) | (long) Le.u16(raw, 0x7A) << 16;
        sizeLo = Le.u32(raw, 0x04);
        sizeHigh = Le.u32(raw, 0x6C);
        linksCount = Le.u16(raw, 0x1A);
        blocksLo = Le.u32(raw, 0x1C);
        blocksHigh = Le.u16(raw, 0x74);
        flags = Le.i32(raw, 0x20);
        generation = Le.u32(raw, 0x64);
        fileAcl = Le.u32(raw, 0x68) | (is64Bit ? (long) Le.u16(raw, 0x76) << 32 : 0);
        extraIsize = raw.length > GOOD_OLD_SIZE ? Le.u16(raw, 0x80) : 0;
    }

    int type() {
        return mode & 0xF000;
    }

    boolean isDirectory() {
        return type() == 0x4000;
    }

    boolean isRegular() {
        return type() == 0x8000;
    }

    boolean isSymlink() {
        return type() == 0xA000;
    }

    boolean isDevice() {
        return type() == 0x2000 || type() == 0x6000;
    }

    boolean hasFlag(int flag) {
        return (flags & flag) != 0;
    }

    /** True when the extra field at {@code offset} (size {@code len}) is covered by i_extra_isize. */
    boolean fits(int offset, int len) {
        return raw.length > GOOD_OLD_SIZE && offset + len <= GOOD_OLD_SIZE + extraIsize;
    }

    /** The size: 64-bit for regular files (and every inode with large_dir), 32-bit otherwise, as the kernel reads it. */
    long size(boolean largeDir) {
        if (isRegular() || largeDir) {
            return sizeLo | sizeHigh << 32;
        }
        return sizeLo;
    }

    /** st_blocks (512-byte units), as the kernel derives it from i_blocks and huge_file. */
    long blocks512(boolean hugeFileFeature, int blockSize) {
        if (!hugeFileFeature) {
            return blocksLo;
        }
        long b = blocksLo | (long) blocksHigh << 32;
        return hasFlag(FLAG_HUGE_FILE) ? b * (blockSize / 512) : b;
    }

    /**
     * A timestamp: signed 32-bit seconds, extended by the two epoch bits and nanoseconds of its extra word when the
     * inode has room for it.
     */
    Instant time(int secOffset, int extraOffset) {
        long sec = Le.i32(raw, secOffset);
        long nsec = 0;
        if (extraOffset > 0 && fits(extraOffset, 4)) {
            long extra = Le.u32(raw, extraOffset);
            sec += (extra & 3) << 32;
            nsec = extra >>> 2;
        }
        return Instant.ofEpochSecond(sec, Math.min(nsec, 999_999_999L));
    }

    Instant atime() {
        return time(0x08, 0x8C);
    }

    Instant ctime() {
        return time(0x0C, 0x84);
    }

    Instant mtime() {
        return time(0x10, 0x88);
    }

    /** Birth time, or null when the inode has no room for it. */
    Instant crtime() {
        return fits(0x90, 4) ? time(0x90, 0x94) : null;
    }

    /** Device number (major, minor) from i_block: the old 8:8 encoding in word 0, else the new one in word 1. */
    long[] device() {
        long w0 = Le.u32(raw, I_BLOCK);
        if (w0 != 0) {
            return new long[] {(w0 >> 8) & 0xFF, w0 & 0xFF};
        }
        long w1 = Le.u32(raw, I_BLOCK + 4);
        return new long[] {(w1 & 0xFFF00) >> 8, (w1 & 0xFF) | ((w1 >> 12) & 0xFFF00)};
    }

    /** The 60 bytes of i_block. */
    byte[] iBlock() {
        byte[] b = new byte[I_BLOCK_SIZE];
        System.arraycopy(raw, I_BLOCK, b, 0, I_BLOCK_SIZE);
        return b;
    }

    // ---------------------------------------------------------------------------------------------------------
    // The writer's side: fields stored where the constructor reads them.

    static void putMode(byte[] r, int mode) {
        Le.put16(r, 0x00, mode);
    }

    static void putOwner(byte[] r, long uid, long gid) {
        Le.put16(r, 0x02, (int) uid);
        Le.put16(r, 0x78, (int) (uid >>> 16));
        Le.put16(r, 0x18, (int) gid);
        Le.put16(r, 0x7A, (int) (gid >>> 16));
    }

    static void putSize(byte[] r, long size) {
        Le.put32(r, 0x04, (int) size);
        Le.put32(r, 0x6C, (int) (size >>> 32));
    }

    static void putLinks(byte[] r, int links) {
        Le.put16(r, 0x1A, links);
    }

    /** i_blocks in 512-byte units (huge_file's block units are never written: the writer stays below 2^48 sectors). */
    static void putBlocks512(byte[] r, long blocks) {
        Le.put32(r, 0x1C, (int) blocks);
        Le.put16(r, 0x74, (int) (blocks >>> 32));
    }

    static void putFlags(byte[] r, int flags) {
        Le.put32(r, 0x20, flags);
    }

    static void putGeneration(byte[] r, long generation) {
        Le.put32(r, 0x64, (int) generation);
    }

    static void putFileAcl(byte[] r, long block) {
        Le.put32(r, 0x68, (int) block);
        Le.put16(r, 0x76, (int) (block >>> 32));
    }

    static void putDtime(byte[] r, long seconds) {
        Le.put32(r, DTIME, (int) seconds);
    }

    static void putExtraIsize(byte[] r, int extra) {
        Le.put16(r, EXTRA_ISIZE, extra);
    }

    /** A timestamp: low 32 bits of the seconds, and (room permitting) epoch bits and nanoseconds in its extra word. */
    static void putTime(byte[] r, int secOffset, int extraOffset, Instant t) {
        long sec = t.getEpochSecond();
        Le.put32(r, secOffset, (int) sec);
        if (r.length > GOOD_OLD_SIZE && extraOffset + 4 <= GOOD_OLD_SIZE + Le.u16(r, EXTRA_ISIZE)) {
            long epoch = ((sec - (int) sec) >> 32) & 3;
            Le.put32(r, extraOffset, (int) (epoch | (long) t.getNano() << 2));
        }
    }

    static void putAtime(byte[] r, Instant t) {
        putTime(r, 0x08, 0x8C, t);
    }

    static void putCtime(byte[] r, Instant t) {
        putTime(r, 0x0C, 0x84, t);
    }

    static void putMtime(byte[] r, Instant t) {
        putTime(r, 0x10, 0x88, t);
    }

    static void putCrtime(byte[] r, Instant t) {
        if (r.length > GOOD_OLD_SIZE && 0x98 <= GOOD_OLD_SIZE + Le.u16(r, EXTRA_ISIZE)) {
            putTime(r, 0x90, 0x94, t);
        }
    }

    /** A device number in i_block: the old 8:8 word when both fit a byte, else the new encoding in word 1. */
    static void putDevice(byte[] r, long major, long minor) {
        if (major < 256 && minor < 256) {
            Le.put32(r, I_BLOCK, (int) (major << 8 | minor));
        } else {
            Le.put32(r, I_BLOCK + 4, (int) ((minor & 0xFF) | (major << 8) | ((minor & ~0xFFL) << 12)));
        }
    }
}
