package dev.platter.inspect.ext4;

import dev.platter.core.CorruptImageException;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What the kernel's orphan cleanup at mount ({@code ext4_orphan_cleanup}, read-only mounts of a writable device
 * included) does to the free counts, computed without writing: the orphans are the inodes of the superblock's
 * {@code s_last_orphan} chain (each inode's {@code i_dtime} names the next) and, with orphan_file, the non-zero
 * entries of the orphan file's blocks. An orphan without links (a file or directory removed while still open) is
 * deleted: its inode and every block it holds ({@code i_blocks}: data, extent or indirect blocks, its xattr block
 * unless shared) become free. An orphan with links was being truncated: the kernel truncates it to {@code i_size},
 * freeing what {@link TruncateEffect} counts (when it cannot be exact, that orphan is reported and its blocks stay
 * counted as used).
 * <p>
 * As in the kernel, the chain ends at the first inode that is out of range, not in use in its group's bitmap, or
 * names a next orphan out of range; orphan-file entries that are not valid are skipped, and an orphan-file block
 * without its magic is an error, as the kernel then fails the mount (its checksums are not checked). Bounded: at most
 * {@link #MAX_ORPHANS} orphans and {@link #MAX_ORPHAN_FILE_BLOCKS} orphan-file blocks are read, a chain that comes
 * back to an inode already seen ends.
 */
final class OrphanCleanup {
    static final int MAX_ORPHANS = 1 << 16;
    static final long MAX_ORPHAN_FILE_BLOCKS = 1 << 12;
    private static final int ORPHAN_BLOCK_MAGIC = 0x0b10ca04;
    private static final int DTIME = 0x14;
    private static final int XATTR_REFCOUNT = 4;

    /**
     * Orphans deleted (inodes and the blocks they held), orphans truncated (and the blocks that frees), and truncation
     * orphans whose effect is not known exactly (not applied).
     */
    record Result(long inodes, long blocks, long truncations, long truncatedBlocks, long untruncated) {
        long freedBlocks() {
            return blocks + truncatedBlocks;
        }
    }

    private final Ext4FileSystem fs;
    private final Superblock sb;
    private final Set<Long> seen = new HashSet<>();
    private long inodes;
    private long blocks;
    private long truncations;
    private long truncatedBlocks;
    private long untruncated;

    private OrphanCleanup(Ext4FileSystem fs) {
        this.fs = fs;
        this.sb = fs.superblock();
    }

    /** The orphans of {@code fs} as the kernel's mount would process them. */
    static Result of(Ext4FileSystem fs) throws IOException {
        OrphanCleanup c = new OrphanCleanup(fs);
        c.chain();
        c.orphanFile();
        return new Result(c.inodes, c.blocks, c.truncations, c.truncatedBlocks, c.untruncated);
    }

    /** True when the kernel would find orphans to process: a chain, or an orphan file marked as holding some. */
    static boolean present(Superblock sb) {
        return sb.lastOrphan != 0 || sb.hasRoCompat(Features.RO_COMPAT_ORPHAN_PRESENT);
    }

    private void chain() throws IOException {
        long ino = sb.lastOrphan;
        while (ino != 0 && seen.size() < MAX_ORPHANS && seen.add(ino)) {
            Inode inode = orphan(ino);
            if (inode == null) {
                return;
            }
            long next = Le.u32(inode.raw, DTIME);
            if (next > sb.inodesCount) {
                return; // ext4_orphan_get refuses an orphan whose next is out of range: the walk stops before it
            }
            process(inode);
            ino = next;
        }
    }

    private void orphanFile() throws IOException {
        if (!sb.hasCompat(Features.COMPAT_ORPHAN_FILE) || sb.orphanFileInum == 0) {
            return;
        }
        Inode file = orphanInodeOrNull(sb.orphanFileInum);
        if (file == null) {
            return;
        }
        long count = Math.min(fs.size(file) / sb.blockSize, MAX_ORPHAN_FILE_BLOCKS);
        int perBlock = (sb.blockSize - 8) / 4;
        BlockMapper map = fs.mapper(file);
        // The kernel reads and checks every block when it mounts, before the cleanup: one bad block, no mount.
        // Only the entries are kept (at most MAX_ORPHANS of them), never the blocks.
        List<Long> entries = new ArrayList<>();
        for (long i = 0; i < count; i++) {
            BlockRun run = map.map(i);
            if (run.kind() != BlockRun.Kind.DATA) {
                throw new CorruptImageException("ext orphan file", -1, "block " + i + " is not mapped");
            }
            long phys = run.physical() + (i - run.logical());
            byte[] b = fs.readBlock(phys, "ext orphan file block " + i);
            if (Le.i32(b, sb.blockSize - 8) != ORPHAN_BLOCK_MAGIC) {
                throw new CorruptImageException("ext orphan file block " + i, phys * sb.blockSize,
                        "bad magic 0x" + Integer.toHexString(Le.i32(b, sb.blockSize - 8)));
            }
            for (int j = 0; j < perBlock && entries.size() < MAX_ORPHANS; j++) {
                long ino = Le.u32(b, j * 4);
                if (ino != 0) {
                    entries.add(ino);
                }
            }
        }
        for (long ino : entries) {
            if (seen.size() < MAX_ORPHANS && seen.add(ino)) {
                Inode inode = orphan(ino);
                if (inode != null) {
                    process(inode);
                }
            }
        }
    }

    private void process(Inode inode) throws IOException {
        if (inode.linksCount != 0) {
            long freed = TruncateEffect.freedBlocks(fs, inode);
            if (freed < 0) {
                untruncated++;
            } else {
                truncations++;
                truncatedBlocks += freed;
            }
            return;
        }
        inodes++;
        long held = inode.blocks512(sb.hasRoCompat(Features.RO_COMPAT_HUGE_FILE), sb.blockSize) / (sb.blockSize / 512);
        if (inode.fileAcl != 0 && sharedXattrBlock(inode.fileAcl)) {
            held -= sb.clusterRatio(); // its other users keep it
        }
        blocks += Math.max(0, held);
    }

    private boolean sharedXattrBlock(long block) {
        try {
            return Le.u32(fs.readBlock(block, "ext xattr block " + block), XATTR_REFCOUNT) > 1;
        } catch (IOException e) {
            return false;
        }
    }

    /** The inode, when ext4_orphan_get would accept it: in range and in use in its group's inode bitmap. */
    private Inode orphan(long ino) throws IOException {
        if (ino < sb.firstIno || ino > sb.inodesCount) {
            return null;
        }
        return orphanInodeOrNull(ino);
    }

    private Inode orphanInodeOrNull(long ino) throws IOException {
        try {
            long group = (ino - 1) / sb.inodesPerGroup;
            int bit = (int) ((ino - 1) % sb.inodesPerGroup);
            GroupDescriptor gd = fs.group(group);
            if ((gd.flags() & GroupDescriptor.FLAG_INODE_UNINIT) != 0) {
                return null;
            }
            byte[] bitmap = fs.readBlock(gd.inodeBitmap(), "ext inode bitmap of group " + group);
            if ((bitmap[bit >>> 3] & (1 << (bit & 7))) == 0) {
                return null;
            }
            return fs.inode(ino);
        } catch (CorruptImageException e) {
            return null; // ext4_orphan_get fails on a bad inode: the kernel's walk ends there too
        }
    }
}
