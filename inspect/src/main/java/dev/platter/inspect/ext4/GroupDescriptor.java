package dev.platter.inspect.ext4;

/**
 * One block-group descriptor: where the group's bitmaps and inode table are, and its free counts. 32 bytes
 * without the 64bit feature; {@code s_desc_size} bytes with it, the upper halves living from offset 0x20.
 *
 * @param group           the group number
 * @param blockBitmap     block of the block bitmap
 * @param inodeBitmap     block of the inode bitmap
 * @param inodeTable      first block of the inode table
 * @param freeBlocks      free blocks (clusters with bigalloc)
 * @param freeInodes      free inodes
 * @param flags           INODE_UNINIT 0x1, BLOCK_UNINIT 0x2, INODE_ZEROED 0x4
 * @param itableUnused    inodes at the end of the table never initialised
 * @param checksum        the stored 16-bit checksum
 */
record GroupDescriptor(long group, long blockBitmap, long inodeBitmap, long inodeTable, long freeBlocks,
                       long freeInodes, int flags, long itableUnused, int checksum) {

    static final int FLAG_INODE_UNINIT = 0x1;
    static final int FLAG_BLOCK_UNINIT = 0x2;
    static final int FLAG_INODE_ZEROED = 0x4;
    static final int CHECKSUM_OFFSET = 0x1E;

    // The writer's side: each field stored at the same offsets parse reads (upper halves from 0x20 when wide).

    static void putFreeBlocks(byte[] b, int off, int descSize, long v) {
        putSplit16(b, off + 0x0C, off + 0x2C, descSize, v);
    }

    static void putFreeInodes(byte[] b, int off, int descSize, long v) {
        putSplit16(b, off + 0x0E, off + 0x2E, descSize, v);
    }

    static long usedDirs(byte[] b, int off, int descSize) {
        return Le.u16(b, off + 0x10) | (descSize >= 64 ? (long) Le.u16(b, off + 0x30) << 16 : 0);
    }

    static void putUsedDirs(byte[] b, int off, int descSize, long v) {
        putSplit16(b, off + 0x10, off + 0x30, descSize, v);
    }

    static void putFlags(byte[] b, int off, int flags) {
        Le.put16(b, off + 0x12, flags);
    }

    static void putItableUnused(byte[] b, int off, int descSize, long v) {
        putSplit16(b, off + 0x1C, off + 0x32, descSize, v);
    }

    static void putBlockBitmapChecksum(byte[] b, int off, int descSize, int crc) {
        putSplit16(b, off + 0x18, off + 0x38, descSize, crc & 0xFFFFFFFFL);
    }

    static void putInodeBitmapChecksum(byte[] b, int off, int descSize, int crc) {
        putSplit16(b, off + 0x1A, off + 0x3A, descSize, crc & 0xFFFFFFFFL);
    }

    private static void putSplit16(byte[] b, int lo, int hi, int descSize, long v) {
        Le.put16(b, lo, (int) v);
        if (descSize >= 64) {
            Le.put16(b, hi, (int) (v >>> 16));
        }
    }

    static GroupDescriptor parse(long group, byte[] b, int off, int descSize) {
        boolean wide = descSize >= 64;
        return new GroupDescriptor(group,
                Le.u32(b, off) | (wide ? Le.u32(b, off + 0x20) << 32 : 0),
                Le.u32(b, off + 0x04) | (wide ? Le.u32(b, off + 0x24) << 32 : 0),
                Le.u32(b, off + 0x08) | (wide ? Le.u32(b, off + 0x28) << 32 : 0),
                Le.u16(b, off + 0x0C) | (wide ? (long) Le.u16(b, off + 0x2C) << 16 : 0),
                Le.u16(b, off + 0x0E) | (wide ? (long) Le.u16(b, off + 0x2E) << 16 : 0),
                Le.u16(b, off + 0x12),
                Le.u16(b, off + 0x1C) | (wide ? (long) Le.u16(b, off + 0x32) << 16 : 0),
                Le.u16(b, off + CHECKSUM_OFFSET));
    }
}
