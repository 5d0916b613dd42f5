package dev.platter.inspect.ext4;

import dev.platter.core.CorruptImageException;
import dev.platter.inspect.fs.StatFs;

import java.io.IOException;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;

/**
 * statvfs(2) as Linux's ext4 driver answers it for a fresh read-only mount (the numbers virt-df prints): total
 * blocks minus the metadata overhead, free blocks summed over the group descriptors, minus the root reserve and the
 * driver's own reserve (2% up to 4096 clusters, with extents) for the available count.
 */
final class StatFsCalculator {
    private static final long NAME_MAX = 255;

    private StatFsCalculator() {
    }

    static StatFs statfs(Ext4FileSystem fs) throws IOException {
        Superblock sb = fs.superblock();
        long ratio = sb.clusterRatio();
        long freeClusters = 0, freeInodes = 0;
        for (long g = 0; g < sb.groupCount; g++) {
            GroupDescriptor gd = fs.group(g);
            freeClusters += gd.freeBlocks();
            freeInodes += gd.freeInodes();
        }
        // The kernel's mount deletes and truncates the orphans (OrphanCleanup) before any statfs could run.
        OrphanCleanup.Result orphans = null;
        if (OrphanCleanup.present(sb) && fs.processesOrphans()) {
            try {
                orphans = OrphanCleanup.of(fs);
            } catch (CorruptImageException e) {
                // Damaged orphan metadata costs the orphans' effect on df, not df itself.
                fs.warn("orphan inodes not processed: " + e.getMessage());
            }
        }
        if (orphans != null) {
            freeClusters += orphans.freedBlocks() / ratio;
            freeInodes += orphans.inodes();
            fs.warn("orphan inodes: " + orphans.inodes() + " unlinked while open (holding " + orphans.blocks()
                    + " blocks) and " + orphans.truncations() + " being truncated (" + orphans.truncatedBlocks()
                    + " blocks past their size), which the kernel deletes and truncates when it mounts: free space"
                    + " and free inodes here count that as done" + (orphans.untruncated() == 0 ? "" : "; "
                    + orphans.untruncated() + " more being truncated cannot be accounted exactly (bigalloc, not a"
                    + " regular file, or a damaged tree): their blocks past their size still count as used here"));
        }
        long overhead = overheadClusters(fs);
        long blocks = Math.max(0, sb.blocksCount - overhead * ratio);
        long bfree = Math.max(0, freeClusters) * ratio;
        // Damaged descriptors can count more free space than there is: df would print negative use.
        if (bfree > blocks || freeInodes > sb.inodesCount || freeInodes < 0) {
            fs.warn("ext group descriptors: free counts (" + bfree + " blocks, " + freeInodes + " inodes) exceed the"
                    + " filesystem's " + blocks + " blocks and " + sb.inodesCount + " inodes; clamped");
            bfree = Math.min(bfree, blocks);
            freeInodes = Math.max(0, Math.min(freeInodes, sb.inodesCount));
        }
        long resv = sb.hasIncompat(Features.INCOMPAT_EXTENTS)
                ? Math.min((sb.blocksCount >> sb.clusterBits) / 50, 4096) * ratio : 0;
        // s_r_blocks_count is a u64; as the kernel compares unsigned, a reserve above the free count leaves 0.
        long reserve = Long.compareUnsigned(sb.rBlocksCount, bfree) > 0 ? bfree : sb.rBlocksCount;
        long bavail = Math.max(0, bfree - reserve - resv);
        return new StatFs(sb.blockSize, blocks, bfree, bavail, sb.inodesCount, freeInodes, NAME_MAX);
    }

    /** The kernel's overhead: s_overhead_clusters with bigalloc when sane, else counted (ext4_calculate_overhead). */
    static long overheadClusters(Ext4FileSystem fs) throws IOException {
        Superblock sb = fs.superblock();
        boolean bigalloc = sb.hasRoCompat(Features.RO_COMPAT_BIGALLOC);
        if (bigalloc && sb.overheadClusters != 0 && sb.overheadClusters <= sb.blocksCount) {
            return sb.overheadClusters;
        }
        long overhead = sb.firstDataBlock >> sb.clusterBits;
        if (bigalloc) {
            overhead += bigallocGroupOverhead(fs);
        } else {
            for (long g = 0; g < sb.groupCount; g++) {
                boolean hasSuper = sb.groupHasSuper(g);
                overhead += (hasSuper ? 1 : 0) + sb.groupGdtBlocks(g) + (hasSuper ? sb.reservedGdtBlocks : 0)
                        + 2 + sb.inodeTableBlocks;
            }
        }
        if (sb.hasCompat(Features.COMPAT_HAS_JOURNAL) && sb.journalInum != 0) {
            long journalBlocks = fs.size(fs.inode(sb.journalInum)) / sb.blockSize;
            overhead += (journalBlocks + sb.clusterRatio() - 1) >> sb.clusterBits;
        }
        return overhead;
    }

    /**
     * With bigalloc, metadata of any group may share clusters: count the distinct clusters of each group that hold a
     * superblock copy, descriptor blocks, bitmaps or inode-table blocks (count_overhead). One pass over the
     * descriptors, each metadata block marked in the group it lies in.
     */
    private static long bigallocGroupOverhead(Ext4FileSystem fs) throws IOException {
        Superblock sb = fs.superblock();
        Map<Long, BitSet> used = new HashMap<>();
        for (long g = 0; g < sb.groupCount; g++) {
            GroupDescriptor gd = fs.group(g);
            mark(sb, used, gd.blockBitmap(), 1);
            mark(sb, used, gd.inodeBitmap(), 1);
            long table = gd.inodeTable();
            long tableGroup = groupOf(sb, table);
            if (tableGroup >= 0 && table + sb.inodeTableBlocks <= sb.groupFirstBlock(tableGroup) + sb.blocksPerGroup - 1) {
                mark(sb, used, table, sb.inodeTableBlocks);
            }
        }
        long total = 0;
        for (long g = 0; g < sb.groupCount; g++) {
            BitSet bits = used.computeIfAbsent(g, k -> new BitSet());
            long s = 0;
            if (sb.groupHasSuper(g)) {
                bits.set(0);
                s = 1;
            }
            long gdt = Math.min(sb.groupGdtBlocks(g), sb.blocksPerGroup - s);
            for (long j = 0; j < gdt; j++) {
                bits.set((int) ((s + j) >> sb.clusterBits));
            }
            total += bits.cardinality();
            used.remove(g);
        }
        return total;
    }

    private static long groupOf(Superblock sb, long block) {
        if (block < sb.firstDataBlock || block >= sb.blocksCount) {
            return -1;
        }
        return (block - sb.firstDataBlock) / sb.blocksPerGroup;
    }

    private static void mark(Superblock sb, Map<Long, BitSet> used, long block, long count) {
        for (long b = block; b < block + count; b++) {
            long g = groupOf(sb, b);
            if (g >= 0) {
                used.computeIfAbsent(g, k -> new BitSet()).set((int) ((b - sb.groupFirstBlock(g)) >> sb.clusterBits));
            }
        }
    }
}
