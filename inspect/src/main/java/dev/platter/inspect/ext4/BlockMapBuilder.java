package dev.platter.inspect.ext4;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes an inode's block map for a given list of runs: an extent tree (runs split at the 32768-block extent limit;
 * up to four in i_block, else leaf blocks under index levels as deep as needed, each node sealed with its checksum)
 * or, without extents, the classic map of 12 direct pointers and single, double and triple indirect blocks. The map
 * is always built whole, in new blocks: a changed file gets a new map and the old one is freed with the transaction,
 * so the committed map is never changed in place.
 */
final class BlockMapBuilder {
    private static final int MAX_INIT_LEN = 32768;

    private final Superblock sb;
    private final TxBlocks tx;
    private final Allocator allocator;
    private final MetadataChecksums checksums;

    BlockMapBuilder(Superblock sb, TxBlocks tx, Allocator allocator, MetadataChecksums checksums) {
        this.sb = sb;
        this.tx = tx;
        this.allocator = allocator;
        this.checksums = checksums;
    }

    /**
     * Writes the map of {@code runs} (sorted, not overlapping) into inode record {@code raw}; returns how many map
     * blocks it allocated. {@code extents} chooses the extent tree (and sets the flag) or the classic map.
     */
    long build(long ino, byte[] raw, List<FileMap.Run> runs, boolean extents, long goal) throws IOException {
        java.util.Arrays.fill(raw, Inode.I_BLOCK, Inode.I_BLOCK + Inode.I_BLOCK_SIZE, (byte) 0);
        int flags = Le.i32(raw, 0x20);
        if (extents) {
            Inode.putFlags(raw, flags | Inode.FLAG_EXTENTS);
            return extentTree(ino, Le.u32(raw, 0x64), raw, split(runs), goal);
        }
        Inode.putFlags(raw, flags & ~Inode.FLAG_EXTENTS);
        return indirect(raw, runs, goal);
    }

    private static List<FileMap.Run> split(List<FileMap.Run> runs) {
        List<FileMap.Run> out = new ArrayList<>();
        for (FileMap.Run r : runs) {
            long done = 0;
            while (done < r.length()) {
                long n = Math.min(r.unwritten() ? MAX_INIT_LEN - 1 : MAX_INIT_LEN, r.length() - done);
                out.add(new FileMap.Run(r.logical() + done, r.physical() + done, n, r.unwritten()));
                done += n;
            }
        }
        return out;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Extent tree

    private record Node(long firstLogical, long block) {
    }

    private long extentTree(long ino, long generation, byte[] raw, List<FileMap.Run> runs, long goal)
            throws IOException {
        int rootCap = (Inode.I_BLOCK_SIZE - ExtentHeader.SIZE) / ExtentLeaf.SIZE;
        int blockCap = (sb.blockSize - ExtentHeader.SIZE) / ExtentLeaf.SIZE;
        if (runs.size() <= rootCap) {
            header(raw, Inode.I_BLOCK, runs.size(), rootCap, 0);
            for (int i = 0; i < runs.size(); i++) {
                leaf(raw, Inode.I_BLOCK + ExtentHeader.SIZE + i * ExtentLeaf.SIZE, runs.get(i));
            }
            return 0;
        }
        long allocated = 0;
        // Leaves.
        List<Node> level = new ArrayList<>();
        for (int i = 0; i < runs.size(); i += blockCap) {
            int n = Math.min(blockCap, runs.size() - i);
            long block = oneBlock(goal);
            allocated++;
            byte[] b = tx.fresh(block, "ext extent block of inode " + ino);
            header(b, 0, n, blockCap, 0);
            for (int j = 0; j < n; j++) {
                leaf(b, ExtentHeader.SIZE + j * ExtentLeaf.SIZE, runs.get(i + j));
            }
            checksums.sealExtentBlock(ino, generation, b);
            level.add(new Node(runs.get(i).logical(), block));
        }
        int depth = 1;
        while (level.size() > rootCap) {
            if (depth >= ExtentHeader.MAX_DEPTH) {
                throw new IOException("ext inode " + ino + ": an extent tree deeper than " + ExtentHeader.MAX_DEPTH);
            }
            List<Node> up = new ArrayList<>();
            for (int i = 0; i < level.size(); i += blockCap) {
                int n = Math.min(blockCap, level.size() - i);
                long block = oneBlock(goal);
                allocated++;
                byte[] b = tx.fresh(block, "ext extent block of inode " + ino);
                header(b, 0, n, blockCap, depth);
                for (int j = 0; j < n; j++) {
                    index(b, ExtentHeader.SIZE + j * ExtentLeaf.SIZE, level.get(i + j));
                }
                checksums.sealExtentBlock(ino, generation, b);
                up.add(new Node(level.get(i).firstLogical(), block));
            }
            level = up;
            depth++;
        }
        header(raw, Inode.I_BLOCK, level.size(), rootCap, depth);
        for (int i = 0; i < level.size(); i++) {
            index(raw, Inode.I_BLOCK + ExtentHeader.SIZE + i * ExtentLeaf.SIZE, level.get(i));
        }
        return allocated;
    }

    private long oneBlock(long goal) throws IOException {
        return allocator.allocateBlocks(goal, 1).get(0).start();
    }

    private static void header(byte[] b, int off, int entries, int max, int depth) {
        Le.put16(b, off, ExtentHeader.MAGIC);
        Le.put16(b, off + 2, entries);
        Le.put16(b, off + 4, max);
        Le.put16(b, off + 6, depth);
        Le.put32(b, off + 8, 0);
    }

    private static void leaf(byte[] b, int off, FileMap.Run r) {
        Le.put32(b, off, (int) r.logical());
        Le.put16(b, off + 4, (int) r.length() + (r.unwritten() ? MAX_INIT_LEN : 0));
        Le.put16(b, off + 6, (int) (r.physical() >>> 32));
        Le.put32(b, off + 8, (int) r.physical());
    }

    private static void index(byte[] b, int off, Node n) {
        Le.put32(b, off, (int) n.firstLogical());
        Le.put32(b, off + 4, (int) n.block());
        Le.put16(b, off + 8, (int) (n.block() >>> 32));
        Le.put16(b, off + 10, 0);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Classic block map

    private long indirect(byte[] raw, List<FileMap.Run> runs, long goal) throws IOException {
        long perBlock = sb.blockSize / 4;
        long[] allocated = {0};
        // Indirect blocks by (level, index of the range they cover), created on first need.
        java.util.Map<Long, byte[]> single = new java.util.HashMap<>();
        java.util.Map<Long, byte[]> dbl = new java.util.HashMap<>();
        byte[][] top = new byte[4][];
        long[] topBlock = new long[4];
        for (FileMap.Run r : runs) {
            if (r.unwritten()) {
                throw new IOException("ext: unwritten extents need the extent format");
            }
            for (long k = 0; k < r.length(); k++) {
                long logical = r.logical() + k;
                long physical = r.physical() + k;
                if (physical > 0xFFFFFFFFL) {
                    throw new IOException("ext: block " + physical + " cannot be named by a 32-bit block map");
                }
                if (logical < 12) {
                    Le.put32(raw, Inode.I_BLOCK + 4 * (int) logical, (int) physical);
                    continue;
                }
                long rel = logical - 12;
                if (rel < perBlock) {
                    byte[] ind = topLevel(1, top, topBlock, raw, goal, allocated);
                    Le.put32(ind, (int) (4 * rel), (int) physical);
                    continue;
                }
                rel -= perBlock;
                if (rel < perBlock * perBlock) {
                    byte[] d = topLevel(2, top, topBlock, raw, goal, allocated);
                    byte[] ind = child(d, rel / perBlock, single, 2L << 40 | rel / perBlock, goal, allocated);
                    Le.put32(ind, (int) (4 * (rel % perBlock)), (int) physical);
                    continue;
                }
                rel -= perBlock * perBlock;
                if (rel >= perBlock * perBlock * perBlock) {
                    throw new IOException("ext: file block " + logical + " is beyond the classic block map");
                }
                byte[] t = topLevel(3, top, topBlock, raw, goal, allocated);
                long di = rel / (perBlock * perBlock);
                byte[] d = child(t, di, dbl, 3L << 40 | di, goal, allocated);
                long si = rel / perBlock;
                byte[] ind = child(d, si % perBlock, single, 4L << 40 | si, goal, allocated);
                Le.put32(ind, (int) (4 * (rel % perBlock)), (int) physical);
            }
        }
        return allocated[0];
    }

    private byte[] topLevel(int level, byte[][] top, long[] topBlock, byte[] raw, long goal, long[] allocated)
            throws IOException {
        if (top[level] == null) {
            topBlock[level] = oneBlock(goal);
            allocated[0]++;
            top[level] = tx.fresh(topBlock[level], "ext indirect block");
            Le.put32(raw, Inode.I_BLOCK + 4 * (11 + level), (int) topBlock[level]);
        }
        return top[level];
    }

    private byte[] child(byte[] parent, long slot, java.util.Map<Long, byte[]> cache, long key, long goal,
                         long[] allocated) throws IOException {
        byte[] c = cache.get(key);
        if (c == null) {
            long block = oneBlock(goal);
            allocated[0]++;
            c = tx.fresh(block, "ext indirect block");
            Le.put32(parent, (int) (4 * slot), (int) block);
            cache.put(key, c);
        }
        return c;
    }
}
