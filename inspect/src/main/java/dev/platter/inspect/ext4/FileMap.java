package dev.platter.inspect.ext4;

import dev.platter.core.CorruptImageException;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Where an inode's blocks are, as the writer needs it: every mapped run of data blocks, and the blocks of the map
 * itself (extent-tree nodes, indirect blocks), read through the open transaction. Bounded: at most
 * {@link #MAX_RUNS} runs and a tree no deeper than the kernel allows.
 */
final class FileMap {
    static final int MAX_RUNS = 1 << 22;

    /** A run of {@code length} file blocks from {@code logical}, stored from {@code physical}. */
    record Run(long logical, long physical, long length, boolean unwritten) {
        long logicalEnd() {
            return logical + length;
        }
    }

    final List<Run> runs = new ArrayList<>();
    final List<Long> mapBlocks = new ArrayList<>();

    private FileMap() {
    }

    /** The map of the inode record {@code raw} (inode {@code ino}); empty for inline data, fast symlinks, devices. */
    static FileMap of(TxBlocks tx, Superblock sb, long ino, byte[] raw) throws IOException {
        FileMap m = new FileMap();
        int flags = Le.i32(raw, 0x20);
        int type = Le.u16(raw, 0) & 0xF000;
        if ((flags & Inode.FLAG_INLINE_DATA) != 0 || type == 0x2000 || type == 0x6000 || type == 0x1000
                || type == 0xC000) {
            return m;
        }
        if ((flags & Inode.FLAG_EXTENTS) != 0) {
            m.extentNode(tx, sb, ino, raw, Inode.I_BLOCK, Inode.I_BLOCK_SIZE, ExtentHeader.MAX_DEPTH + 1);
        } else if (type == 0xA000 && Le.u32(raw, 0x1C) == (Le.u32(raw, 0x68) == 0 ? 0 : sb.blockSize / 512)) {
            return m; // a fast symlink: the target is in i_block
        } else {
            m.indirect(tx, sb, ino, raw);
        }
        return m;
    }

    private void extentNode(TxBlocks tx, Superblock sb, long ino, byte[] b, int off, int len, int levelsLeft)
            throws IOException {
        String structure = "ext extent tree of inode " + ino;
        if (!ExtentHeader.hasMagic(b, off)) {
            throw new CorruptImageException(structure, -1, "bad extent header magic");
        }
        ExtentHeader h = ExtentHeader.parse(b, off);
        String problem = h.problem(len);
        if (problem != null || h.depth() >= levelsLeft) {
            throw new CorruptImageException(structure, -1, problem != null ? problem : "depth " + h.depth());
        }
        for (int i = 0; i < h.entries(); i++) {
            int e = off + ExtentHeader.SIZE + i * ExtentLeaf.SIZE;
            if (h.depth() == 0) {
                ExtentLeaf leaf = ExtentLeaf.parse(b, e);
                if (leaf.length() > 0) {
                    checkBlocks(sb, leaf.physical(), leaf.length(), structure);
                    add(new Run(leaf.firstLogical(), leaf.physical(), leaf.length(), leaf.unwritten()), structure);
                }
            } else {
                long child = ExtentIndex.parse(b, e).child();
                checkBlocks(sb, child, 1, structure);
                mapBlocks.add(child);
                byte[] node = tx.read(child, structure);
                extentNode(tx, sb, ino, node, 0, sb.blockSize, h.depth());
            }
        }
    }

    private void indirect(TxBlocks tx, Superblock sb, long ino, byte[] raw) throws IOException {
        for (int i = 0; i < 12; i++) {
            long p = Le.u32(raw, Inode.I_BLOCK + 4 * i);
            if (p != 0) {
                addBlock(sb, i, p, ino);
            }
        }
        long perBlock = sb.blockSize / 4;
        long base = 12;
        for (int level = 1; level <= 3; level++) {
            long p = Le.u32(raw, Inode.I_BLOCK + 4 * (11 + level));
            if (p != 0) {
                indirectBlock(tx, sb, ino, p, level, base);
            }
            base += pow(perBlock, level);
        }
    }

    private void indirectBlock(TxBlocks tx, Superblock sb, long ino, long block, int level, long base)
            throws IOException {
        String structure = "ext indirect block of inode " + ino;
        checkBlocks(sb, block, 1, structure);
        mapBlocks.add(block);
        byte[] b = tx.read(block, structure);
        long perBlock = sb.blockSize / 4;
        long span = pow(perBlock, level - 1);
        for (int i = 0; i < perBlock; i++) {
            long p = Le.u32(b, 4 * i);
            if (p == 0) {
                continue;
            }
            if (level == 1) {
                addBlock(sb, base + i, p, ino);
            } else {
                indirectBlock(tx, sb, ino, p, level - 1, base + i * span);
            }
        }
    }

    private void addBlock(Superblock sb, long logical, long physical, long ino) throws CorruptImageException {
        String structure = "ext block map of inode " + ino;
        checkBlocks(sb, physical, 1, structure);
        if (!runs.isEmpty()) {
            Run last = runs.get(runs.size() - 1);
            if (last.logicalEnd() == logical && last.physical() + last.length() == physical) {
                runs.set(runs.size() - 1, new Run(last.logical(), last.physical(), last.length() + 1, false));
                return;
            }
        }
        add(new Run(logical, physical, 1, false), structure);
    }

    private void add(Run r, String structure) throws CorruptImageException {
        if (runs.size() >= MAX_RUNS) {
            throw new CorruptImageException(structure, -1, "more than " + MAX_RUNS + " runs");
        }
        runs.add(r);
    }

    private static void checkBlocks(Superblock sb, long start, long count, String structure)
            throws CorruptImageException {
        if (start <= sb.firstDataBlock || start + count > sb.blocksCount) {
            throw new CorruptImageException(structure, -1, "blocks " + start + "+" + count
                    + " outside the filesystem (" + sb.blocksCount + " blocks)");
        }
    }

    private static long pow(long b, int e) {
        long r = 1;
        for (int i = 0; i < e; i++) {
            r *= b;
        }
        return r;
    }

    /** Data blocks mapped (unwritten extents included). */
    long dataBlocks() {
        long n = 0;
        for (Run r : runs) {
            n += r.length();
        }
        return n;
    }

    /** The physical block holding file block {@code logical}, or -1 for a hole (runs are in file order). */
    long physical(long logical) {
        int lo = 0;
        int hi = runs.size() - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            Run r = runs.get(mid);
            if (logical < r.logical()) {
                hi = mid - 1;
            } else if (logical >= r.logicalEnd()) {
                lo = mid + 1;
            } else {
                return r.physical() + (logical - r.logical());
            }
        }
        return -1;
    }

    /** True when the runs are in file order without overlaps and map every block below {@code blocks}. */
    boolean coversInOrder(long blocks) {
        long next = 0;
        for (Run r : runs) {
            if (r.logical() != next && r.logical() < blocks) {
                return false;
            }
            if (r.logical() >= blocks) {
                return next >= blocks;
            }
            next = r.logicalEnd();
        }
        return next >= blocks;
    }
}
