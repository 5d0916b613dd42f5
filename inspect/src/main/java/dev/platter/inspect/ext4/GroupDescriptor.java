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
    static final int CHECKSUM_OFFSET = 0x1E;

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
