package dev.platter.inspect.ext4;

import java.io.IOException;

/**
 * The blocks the kernel's {@code ext4_truncate} frees when the orphan cleanup at mount truncates a file to its
 * {@code i_size}: every block mapped at or past the first logical block after the size, and the tree blocks (extent
 * leaves and indexes, or indirect blocks) that held nothing else; a leaf or indirect block that still maps a block
 * before the size stays. Counted without writing; -1 when that cannot be exact here (bigalloc clusters, a file that
 * is not regular, a damaged tree, or more than {@link #MAX_BLOCKS_READ} tree blocks to read).
 */
final class TruncateEffect {
    static final int MAX_BLOCKS_READ = 1 << 16;

    private final Ext4FileSystem fs;
    private final Inode inode;
    private final long first;
    private int reads;

    private TruncateEffect(Ext4FileSystem fs, Inode inode, long first) {
        this.fs = fs;
        this.inode = inode;
        this.first = first;
    }

    /** Blocks freed by truncating {@code inode} to its size, or -1 when not exactly known. */
    static long freedBlocks(Ext4FileSystem fs, Inode inode) {
        Superblock sb = fs.superblock();
        if (!inode.isRegular() || sb.hasRoCompat(Features.RO_COMPAT_BIGALLOC)) {
            return -1;
        }
        if (inode.hasFlag(Inode.FLAG_INLINE_DATA)) {
            return 0;
        }
        try {
            long size = fs.size(inode);
            long first = (size + sb.blockSize - 1) / sb.blockSize;
            TruncateEffect t = new TruncateEffect(fs, inode, first);
            if (inode.hasFlag(Inode.FLAG_EXTENTS)) {
                long[] r = t.extentNode(inode.raw, Inode.I_BLOCK, Inode.I_BLOCK_SIZE, -1);
                return r[0];
            }
            return t.indirectRoot();
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * One extent-tree node: {freed blocks below it, 1 when every extent below it starts at or past the size (the
     * kernel then frees the node itself), else 0}.
     */
    private long[] extentNode(byte[] b, int off, int bytes, int expectedDepth) throws IOException {
        if (!ExtentHeader.hasMagic(b, off)) {
            throw new IOException("extent node without its magic");
        }
        ExtentHeader h = ExtentHeader.parse(b, off);
        if (h.problem(bytes) != null || expectedDepth >= 0 && h.depth() != expectedDepth) {
            throw new IOException("bad extent node");
        }
        long freed = 0;
        boolean allPast = true;
        for (int i = 0; i < h.entries(); i++) {
            int at = off + ExtentHeader.SIZE + i * ExtentLeaf.SIZE;
            if (h.depth() == 0) {
                ExtentLeaf e = ExtentLeaf.parse(b, at);
                long end = e.firstLogical() + e.length();
                if (e.firstLogical() >= first) {
                    freed += e.length();
                } else {
                    allPast = false;
                    freed += Math.max(0, end - first);
                }
                continue;
            }
            ExtentIndex idx = ExtentIndex.parse(b, at);
            boolean last = i == h.entries() - 1;
            if (!last && ExtentIndex.parse(b, at + ExtentIndex.SIZE).firstLogical() <= first) {
                allPast = false; // that child maps only blocks before the size: the kernel leaves it alone
                continue;
            }
            if (++reads > MAX_BLOCKS_READ) {
                throw new IOException("too many tree blocks");
            }
            byte[] child = fs.extentBlock(idx.child(), inode, "ext extent block of inode " + inode.number);
            long[] r = extentNode(child, 0, child.length, h.depth() - 1);
            freed += r[0] + r[1];
            allPast &= r[1] == 1;
        }
        return new long[] {freed, allPast ? 1 : 0};
    }

    /** The classic block map: 12 direct blocks, then the indirect, double- and triple-indirect trees. */
    private long indirectRoot() throws IOException {
        long perBlock = fs.blockSize() / 4;
        long freed = 0;
        long start = 0;
        for (int i = 0; i < 15; i++) {
            int level = i < 12 ? 0 : i - 11;
            long span = level == 0 ? 1 : pow(perBlock, level);
            freed += indirect(Le.u32(inode.raw, Inode.I_BLOCK + 4 * i), level, start, perBlock);
            start += span;
        }
        return freed;
    }

    /** Blocks freed under pointer {@code ptr}: a data block (level 0) or a tree of {@code level} levels from {@code start}. */
    private long indirect(long ptr, int level, long start, long perBlock) throws IOException {
        if (ptr == 0) {
            return 0;
        }
        long span = pow(perBlock, level);
        if (start + span <= first) {
            return 0;
        }
        if (level == 0) {
            return 1;
        }
        if (++reads > MAX_BLOCKS_READ) {
            throw new IOException("too many tree blocks");
        }
        byte[] b = fs.indirectBlock(ptr, "ext indirect block of inode " + inode.number);
        long childSpan = pow(perBlock, level - 1);
        long freed = start >= first ? 1 : 0; // the block itself, when it maps nothing before the size
        for (int j = 0; j < perBlock; j++) {
            freed += indirect(Le.u32(b, 4 * j), level - 1, start + j * childSpan, perBlock);
        }
        return freed;
    }

    private static long pow(long base, int exp) {
        long r = 1;
        for (int i = 0; i < exp; i++) {
            r *= base;
        }
        return r;
    }
}
