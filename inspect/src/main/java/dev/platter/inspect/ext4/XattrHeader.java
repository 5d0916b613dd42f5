package dev.platter.inspect.ext4;

/**
 * The 32-byte header of an xattr block: magic, reference count (blocks are shared between inodes with the same
 * attributes), number of blocks (always 1), hash, checksum. Entries follow at offset 32; values are packed from the
 * end of the block, their offsets relative to the block start.
 */
record XattrHeader(long refcount, long blocks) {
    static final int MAGIC = 0xEA020000;
    static final int SIZE = 32;
    static final int CHECKSUM_OFFSET = 0x10;

    static boolean hasMagic(byte[] b, int off) {
        return Le.i32(b, off) == MAGIC;
    }

    static XattrHeader parse(byte[] b) {
        return new XattrHeader(Le.u32(b, 4), Le.u32(b, 8));
    }
}
