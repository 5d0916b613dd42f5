package dev.platter.inspect.ext4;

import dev.platter.core.CorruptImageException;

import java.io.IOException;

/**
 * File blocks through the classic block map: twelve direct pointers in i_block, then a single-, double- and
 * triple-indirect block. A zero pointer at any level is a hole covering everything below it.
 */
final class IndirectBlockMap implements BlockMapper {
    private static final int DIRECT = 12;

    private final Ext4FileSystem fs;
    private final Inode inode;
    private final long perBlock;

    IndirectBlockMap(Ext4FileSystem fs, Inode inode) {
        this.fs = fs;
        this.inode = inode;
        this.perBlock = fs.blockSize() / 4;
    }

    @Override
    public BlockRun map(long logical) throws IOException {
        if (logical < DIRECT) {
            return runIn(inode.raw, Inode.I_BLOCK, (int) logical, DIRECT, logical, -1);
        }
        long l = logical - DIRECT;
        long span = perBlock;
        for (int level = 1; level <= 3; level++) {
            if (l < span) {
                return walk(Le.u32(inode.raw, Inode.I_BLOCK + (DIRECT + level - 1) * 4), level, l, logical);
            }
            l -= span;
            span *= perBlock;
        }
        return BlockRun.endlessHole(logical);
    }

    /** Descends {@code level} indirect blocks from {@code pointer} to the data pointer for offset {@code l}. */
    private BlockRun walk(long pointer, int level, long l, long logical) throws IOException {
        long covered = 1;
        for (int i = 0; i < level; i++) {
            covered *= perBlock;
        }
        if (pointer == 0) {
            return BlockRun.hole(logical, covered - l);
        }
        for (int d = level; d >= 1; d--) {
            String where = "ext indirect block " + pointer + " of inode " + inode.number;
            byte[] block = fs.indirectBlock(pointer, where);
            covered /= perBlock;
            int index = (int) ((l / covered) % perBlock);
            if (d == 1) {
                return runIn(block, 0, index, (int) perBlock, logical, pointer * fs.blockSize());
            }
            pointer = Le.u32(block, index * 4);
            if (pointer == 0) {
                // A run of zero pointers: one hole over all the subtrees they stand for.
                int k = index + 1;
                while (k < perBlock && Le.u32(block, k * 4) == 0) {
                    k++;
                }
                return BlockRun.hole(logical, (k - index) * covered - (l % covered));
            }
        }
        throw new IllegalStateException("unreachable");
    }

    /** The run starting at pointer {@code index} of an array of {@code n} pointers: contiguous data, or zeros. */
    private BlockRun runIn(byte[] b, int base, int index, int n, long logical, long where) throws CorruptImageException {
        long first = Le.u32(b, base + index * 4);
        int k = index + 1;
        if (first == 0) {
            while (k < n && Le.u32(b, base + k * 4) == 0) {
                k++;
            }
            return BlockRun.hole(logical, k - index);
        }
        while (k < n && Le.u32(b, base + k * 4) == first + (k - index)) {
            k++;
        }
        long count = k - index;
        if (first <= fs.superblock().firstDataBlock || first + count > fs.superblock().blocksCount) {
            throw new CorruptImageException(where < 0 ? "ext block map of inode " + inode.number
                    : "ext indirect block of inode " + inode.number, where,
                    "block " + first + " lies outside the filesystem");
        }
        return new BlockRun(logical, count, first, BlockRun.Kind.DATA);
    }
}
