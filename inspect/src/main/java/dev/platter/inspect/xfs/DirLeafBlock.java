package dev.platter.inspect.xfs;

import dev.platter.core.CorruptImageException;

/**
 * A directory leaf block (xfs_dir2_leaf / xfs_dir3_leaf): header {count u16, stale u16} after the block info
 * (v4 16 bytes, v5 64), then the hash entries. The single leaf of a leaf-form directory (LEAF1) also ends with a
 * best-free array and a tail {bestcount u32}; the leaves of node-form directories (LEAFN) do not.
 */
record DirLeafBlock(DaBlockInfo info, int stale, DirLeafEntries entries) {

    static DirLeafBlock parse(byte[] b, DaBlockInfo info, boolean v5, boolean leaf1, long position, String what)
            throws CorruptImageException {
        int base = DaBlockInfo.size(v5);
        int count = Be.u16(b, base);
        int stale = Be.u16(b, base + 2);
        int header = v5 ? 64 : 16;
        int end = b.length;
        if (leaf1) {
            long bestCount = Be.u32(b, b.length - 4);
            end = (int) Math.max(-1, b.length - 4 - 2 * Math.min(bestCount, b.length));
        }
        if (end < header || header + (long) count * DirLeafEntries.ENTRY_SIZE > end || stale > count) {
            throw new CorruptImageException(what, position, count + " leaf entries (" + stale
                    + " stale) do not fit in the block");
        }
        return new DirLeafBlock(info, stale, DirLeafEntries.parse(b, header, count, position, what));
    }
}
