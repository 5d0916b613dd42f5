package dev.platter.format.vpc;

/**
 * What opening a VHD found: the footer (and whether it was the copy at offset 0), the disk's size as qemu 7.2
 * computes it, and for dynamic and differencing disks the header and the block allocation table as read.
 *
 * @param footer        the footer qemu uses: the copy at offset 0 if there is one, else the one at the end
 * @param type          the disk type qemu reads it as: FIXED without a footer copy at 0
 * @param size          virtual bytes
 * @param header        the dynamic disk header, or null (fixed)
 * @param bat           the block allocation table (sector numbers, 0xffffffff for none), or null (fixed)
 * @param freeOffset    where the next block goes: after the table and the last block (qemu's
 *                      free_data_block_offset)
 * @param parent        the parent reference of a differencing disk as Platter follows it, or null
 */
record VpcLayout(VhdFooter footer, VhdDiskType type, long size, DynamicHeader header, int[] bat, long freeOffset,
                 String parent) {
    static final int UNALLOCATED = -1;

    long blockSize() {
        return header == null ? 0 : header.blockSize();
    }

    long batOffset() {
        return header == null ? -1 : header.tableOffset();
    }

    /** Bytes of a block's sector bitmap: one bit a sector, in whole sectors. */
    static long bitmapSize(long blockSize) {
        return ((blockSize / (8 * 512)) + 511) & ~511L;
    }

    long bitmapSize() {
        return bitmapSize(blockSize());
    }
}
