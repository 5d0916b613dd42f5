package dev.platter.inspect.ext4;

/**
 * An interior htree index block: a fake directory entry (inode 0, rec_len = block size) hiding the block from
 * linear readers, then limit/count at offset 8 and the entries.
 */
record DxNode(int limit, int count) {
    static final int COUNT_OFFSET = 8;

    /** True when the block looks like an index node (its only "entry" is an empty one spanning the block). */
    static boolean looksLikeNode(byte[] b, int blockSize) {
        return Le.u32(b, 0) == 0 && DirEntryRecord.recLen(b, 4, blockSize) == blockSize && Le.u8(b, 6) == 0;
    }

    static DxNode parse(byte[] b) {
        return new DxNode(Le.u16(b, COUNT_OFFSET), Le.u16(b, COUNT_OFFSET + 2));
    }

    DxEntry entry(byte[] b, int i) {
        return DxEntry.parse(b, COUNT_OFFSET + i * DxEntry.SIZE, i == 0);
    }
}
