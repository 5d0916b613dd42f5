package dev.platter.inspect.ext4;

import dev.platter.inspect.fs.DirEntry;

import java.io.IOException;
import java.util.Arrays;

/**
 * A single-name lookup through a directory's htree index: hash the name, descend the index (binary search per
 * level), scan one leaf, and follow collision runs into the next leaves. Any inconsistency in the index makes the
 * caller fall back to a linear scan (with a warning), so a damaged index never hides a name.
 */
final class HtreeLookup {
    /** The outcome of a usable index: the entry, or null when the name is absent. */
    record Result(DirEntry entry) {
    }

    /** One index level on the way down: the block, where its entries start, their count, the chosen one. */
    private static final class Frame {
        byte[] block;
        int countOffset;
        int count;
        int at;

        DxEntry entry(int i) {
            return DxEntry.parse(block, countOffset + i * DxEntry.SIZE, i == 0);
        }
    }

    private static final class Unusable extends Exception {
        private static final long serialVersionUID = 1L;

        Unusable(String why) {
            super(why, null, false, false);
        }
    }

    private final Ext4FileSystem fs;
    private final Directory dir;
    private final Superblock sb;
    private final int tailBytes;

    HtreeLookup(Ext4FileSystem fs, Directory dir) {
        this.fs = fs;
        this.dir = dir;
        this.sb = fs.superblock();
        this.tailBytes = sb.hasMetadataCsum() ? 8 : 0;
    }

    /** The lookup's result, or null when the index cannot be used (the caller scans linearly). */
    Result find(byte[] name) throws IOException {
        try {
            return new Result(search(name));
        } catch (Unusable u) {
            fs.warn("ext directory inode " + dir.inode().number + ": htree index unusable (" + u.getMessage()
                    + "); scanned linearly");
            return null;
        }
    }

    private DirEntry search(byte[] name) throws IOException, Unusable {
        long blocks = dir.blockCount();
        BlockMapper mapper = fs.mapper(dir.inode());
        byte[] rootBlock = dirBlock(mapper, 0, blocks);
        String[] why = new String[1];
        DxRoot root = DxRoot.parse(rootBlock, sb.blockSize, why);
        if (root == null) {
            throw new Unusable(why[0]);
        }
        if (root.hashVersion() > DirHash.TEA) {
            throw new Unusable("hash version " + root.hashVersion());
        }
        int maxLevels = sb.hasIncompat(Features.INCOMPAT_LARGEDIR) ? 3 : 2;
        if (root.indirectLevels() >= maxLevels) {
            throw new Unusable(root.indirectLevels() + " indirect levels");
        }
        int rootLimit = (sb.blockSize - root.countOffset() - tailBytes) / DxEntry.SIZE;
        checkCounts(root.limit(), root.count(), rootLimit, "root");
        int version = root.hashVersion();
        if ((sb.flags & 0x2) != 0) {
            version += 3;
        }
        int hash = DirHash.hash(version, name, sb.hashSeed);

        Frame[] frames = new Frame[root.indirectLevels() + 1];
        frames[0] = frame(rootBlock, root.countOffset(), root.count(), hash);
        for (int level = 1; level < frames.length; level++) {
            frames[level] = nodeFrame(mapper, frames[level - 1].entry(frames[level - 1].at).block(), blocks, hash);
        }
        long maxSteps = blocks;
        for (long step = 0; step <= maxSteps; step++) {
            Frame last = frames[frames.length - 1];
            DirEntry e = scanLeaf(mapper, last.entry(last.at).block(), blocks, name);
            if (e != null) {
                return e;
            }
            // Collision run: the next leaf continues it when its starting hash (bit 0 = continuation) equals ours.
            int level = frames.length - 1;
            while (level >= 0 && frames[level].at + 1 >= frames[level].count) {
                level--;
            }
            if (level < 0) {
                return null;
            }
            Frame f = frames[level];
            f.at++;
            if ((f.entry(f.at).hash() & ~1) != hash) {
                return null;
            }
            for (int l = level + 1; l < frames.length; l++) {
                frames[l] = nodeFrame(mapper, frames[l - 1].entry(frames[l - 1].at).block(), blocks, 0);
                frames[l].at = 0;
            }
        }
        throw new Unusable("collision run longer than the directory");
    }

    private static void checkCounts(int limit, int count, int expectedLimit, String what) throws Unusable {
        if (limit != expectedLimit) {
            throw new Unusable(what + " limit " + limit + " (expected " + expectedLimit + ")");
        }
        if (count == 0 || count > limit) {
            throw new Unusable(what + " count " + count + " (limit " + limit + ")");
        }
    }

    private Frame nodeFrame(BlockMapper mapper, long logical, long blocks, int hash) throws IOException, Unusable {
        byte[] b = dirBlock(mapper, logical, blocks);
        if (!DxNode.looksLikeNode(b, sb.blockSize)) {
            throw new Unusable("block " + logical + " is not an index node");
        }
        DxNode node = DxNode.parse(b);
        checkCounts(node.limit(), node.count(), (sb.blockSize - DxNode.COUNT_OFFSET - tailBytes) / DxEntry.SIZE,
                "node " + logical);
        return frame(b, DxNode.COUNT_OFFSET, node.count(), hash);
    }

    /** A frame positioned on the last entry whose hash is at most {@code hash} (unsigned; entry 0 counts as 0). */
    private static Frame frame(byte[] block, int countOffset, int count, int hash) {
        Frame f = new Frame();
        f.block = block;
        f.countOffset = countOffset;
        f.count = count;
        int lo = 1, hi = count - 1, at = 0;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (Integer.compareUnsigned(f.entry(mid).hash(), hash) <= 0) {
                at = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        f.at = at;
        return f;
    }

    private DirEntry scanLeaf(BlockMapper mapper, long logical, long blocks, byte[] name) throws IOException, Unusable {
        byte[] b = dirBlock(mapper, logical, blocks);
        DirEntry[] found = new DirEntry[1];
        dir.scanRegion(b, 0, b.length, "block " + logical, (ino, blk, off, len, type) -> {
            if (len == name.length && Arrays.equals(blk, off, off + len, name, 0, len)) {
                found[0] = new DirEntry(name.clone(), ino, Directory.fileType(type));
                return false;
            }
            return true;
        });
        return found[0];
    }

    private byte[] dirBlock(BlockMapper mapper, long logical, long blocks) throws IOException, Unusable {
        if (logical >= blocks) {
            throw new Unusable("index points at block " + logical + " beyond the directory's " + blocks);
        }
        BlockRun run = mapper.map(logical);
        if (run.kind() != BlockRun.Kind.DATA) {
            throw new Unusable("block " + logical + " is a hole");
        }
        return dir.block(logical, run.physical());
    }
}
