package dev.platter.inspect.ext4;

import dev.platter.core.CorruptImageException;

import java.io.IOException;

/**
 * File blocks through an extent tree: the root in i_block, interior index nodes and leaves in blocks. Each lookup
 * descends once (depth at most 5, each child exactly one level below its parent, so loops are impossible) and
 * returns the run up to the next boundary any level knows of.
 */
final class ExtentTree implements BlockMapper {
    private final Ext4FileSystem fs;
    private final Inode inode;

    ExtentTree(Ext4FileSystem fs, Inode inode) {
        this.fs = fs;
        this.inode = inode;
    }

    @Override
    public BlockRun map(long logical) throws IOException {
        if (logical >= LOGICAL_LIMIT) {
            return BlockRun.endlessHole(logical);
        }
        byte[] node = inode.raw;
        int base = Inode.I_BLOCK;
        int nodeBytes = Inode.I_BLOCK_SIZE;
        long nodeOffset = -1;
        String where = "ext extent root of inode " + inode.number;
        long boundary = LOGICAL_LIMIT;
        int expectedDepth = -1;
        while (true) {
            if (!ExtentHeader.hasMagic(node, base)) {
                throw new CorruptImageException(where, nodeOffset, "bad extent header magic");
            }
            ExtentHeader h = ExtentHeader.parse(node, base);
            String problem = h.problem(nodeBytes);
            if (problem == null && expectedDepth >= 0 && h.depth() != expectedDepth) {
                problem = "depth " + h.depth() + " under a parent of depth " + (expectedDepth + 1);
            }
            if (problem != null) {
                throw new CorruptImageException(where, nodeOffset, problem);
            }
            int first = base + ExtentHeader.SIZE;
            if (h.entries() == 0) {
                return boundary == LOGICAL_LIMIT ? BlockRun.endlessHole(logical) : BlockRun.hole(logical, boundary - logical);
            }
            if (h.depth() == 0) {
                return leafRun(node, first, h.entries(), logical, boundary, where, nodeOffset);
            }
            int i = Math.max(0, lastNotAfter(node, first, h.entries(), logical));
            ExtentIndex idx = ExtentIndex.parse(node, first + i * ExtentIndex.SIZE);
            if (i + 1 < h.entries()) {
                boundary = Math.min(boundary, Le.u32(node, first + (i + 1) * ExtentIndex.SIZE));
            }
            if (boundary <= logical) {
                return BlockRun.hole(logical, 1);
            }
            where = "ext extent block " + idx.child() + " of inode " + inode.number;
            node = fs.extentBlock(idx.child(), inode, where);
            nodeOffset = idx.child() * fs.blockSize();
            base = 0;
            nodeBytes = node.length;
            expectedDepth = h.depth() - 1;
        }
    }

    private BlockRun leafRun(byte[] node, int first, int entries, long logical, long boundary, String where,
                             long nodeOffset) throws CorruptImageException {
        int i = lastNotAfter(node, first, entries, logical);
        if (i >= 0) {
            ExtentLeaf e = ExtentLeaf.parse(node, first + i * ExtentLeaf.SIZE);
            long end = Math.min(e.firstLogical() + e.length(), boundary);
            if (logical < end) {
                if (e.physical() <= fs.superblock().firstDataBlock
                        || e.physical() + e.length() > fs.superblock().blocksCount) {
                    throw new CorruptImageException(where, nodeOffset, "extent " + e.firstLogical() + "+" + e.length()
                            + " maps blocks " + e.physical() + ".." + (e.physical() + e.length() - 1)
                            + " outside the filesystem");
                }
                long delta = logical - e.firstLogical();
                return new BlockRun(logical, end - logical, e.physical() + delta,
                        e.unwritten() ? BlockRun.Kind.UNWRITTEN : BlockRun.Kind.DATA);
            }
        }
        if (i + 1 >= entries && boundary == LOGICAL_LIMIT) {
            return BlockRun.endlessHole(logical);
        }
        long next = i + 1 < entries ? Le.u32(node, first + (i + 1) * ExtentLeaf.SIZE) : boundary;
        return BlockRun.hole(logical, Math.min(next, boundary) - logical);
    }

    /** Index of the last entry whose first logical block is at most {@code logical}, or -1. */
    private static int lastNotAfter(byte[] node, int first, int entries, long logical) {
        int lo = 0, hi = entries - 1, found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (Le.u32(node, first + mid * 12) <= logical) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found;
    }
}
