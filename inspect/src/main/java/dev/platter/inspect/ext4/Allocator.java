package dev.platter.inspect.ext4;

import dev.platter.core.CorruptImageException;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Block and inode allocation through the bitmaps and group descriptors, as e2fsprogs allocates: first fit from a goal
 * (the group of the inode a block serves, the parent's group for a new inode), groups marked uninitialised
 * (BLOCK_UNINIT, INODE_UNINIT) initialised on first use as the kernel initialises them, every change to a bitmap or
 * descriptor resealed (bitmap checksums in the descriptor, the descriptor's own checksum), and the superblock's free
 * counts kept in step.
 *
 * <p>Blocks freed in the open transaction are not handed out again before it commits: file data is written before
 * the commit, and a crash must not find the old, still committed, owner's blocks overwritten.
 */
final class Allocator {
    /** A run of {@code count} blocks from {@code start}. */
    record Extent(long start, long count) {
    }

    private final Superblock sb;
    private final TxBlocks tx;
    private final MetadataChecksums checksums;
    private final boolean groupCsum;
    /** Blocks freed in the open transaction: start -> count. */
    private final TreeMap<Long, Long> freedInTx = new TreeMap<>();
    /** Per group, a bit below which no block is free (a search hint, lowered when blocks are freed). */
    private final Map<Long, Long> firstMaybeFree = new HashMap<>();
    private long freeBlocks;
    private long freeInodes;

    Allocator(Superblock sb, TxBlocks tx, MetadataChecksums checksums) {
        this.sb = sb;
        this.tx = tx;
        this.checksums = checksums;
        this.groupCsum = sb.hasMetadataCsum() || sb.hasRoCompat(Features.RO_COMPAT_GDT_CSUM);
        this.freeBlocks = Le.u32(sb.raw, 0x0C) | (sb.is64Bit() ? Le.u32(sb.raw, 0x158) << 32 : 0);
        this.freeInodes = Le.u32(sb.raw, 0x10);
    }

    private long savedFreeBlocks;
    private long savedFreeInodes;
    private final List<Long> freedKeysThisOperation = new ArrayList<>();

    /** An operation starts: what it changes in memory can be undone ({@link #rollbackOperation}). */
    void beginOperation() {
        savedFreeBlocks = freeBlocks;
        savedFreeInodes = freeInodes;
        freedKeysThisOperation.clear();
    }

    /** The operation failed (its bitmap and descriptor blocks are restored by the transaction's undo). */
    void rollbackOperation() {
        freeBlocks = savedFreeBlocks;
        freeInodes = savedFreeInodes;
        for (long k : freedKeysThisOperation) {
            freedInTx.remove(k); // held a little longer than needed at worst: never handed out too early
        }
        freedKeysThisOperation.clear();
        firstMaybeFree.clear();
    }

    long freeBlocks() {
        return freeBlocks;
    }

    long freeInodes() {
        return freeInodes;
    }

    /** The transaction committed: what it freed can be handed out again. */
    void committed() {
        freedInTx.clear();
    }

    // ---------------------------------------------------------------------------------------------------------
    // Descriptors

    private long descBlock(long g) {
        return sb.descriptorBlock(g / sb.descPerBlock);
    }

    private int descOffset(long g) {
        return (int) (g % sb.descPerBlock) * sb.descSize;
    }

    GroupDescriptor group(long g) throws IOException {
        byte[] b = tx.read(descBlock(g), "ext group descriptor " + g);
        return GroupDescriptor.parse(g, b, descOffset(g), sb.descSize);
    }

    private byte[] modifyGroup(long g) throws IOException {
        return tx.modify(descBlock(g), "ext group descriptor " + g);
    }

    private void sealGroup(long g, byte[] b) {
        checksums.sealGroupDescriptor(g, b, descOffset(g));
    }

    // ---------------------------------------------------------------------------------------------------------
    // Blocks

    /**
     * Allocates {@code count} blocks, first fit from {@code goal}, in as few runs as the free space allows.
     *
     * @throws java.io.IOException "no space left" when the filesystem has fewer free blocks
     */
    List<Extent> allocateBlocks(long goal, long count) throws IOException {
        if (count > freeBlocks - reservedForRoot()) {
            throw new IOException("ext filesystem: no space left on device (" + count + " blocks wanted, "
                    + Math.max(0, freeBlocks - reservedForRoot()) + " free)");
        }
        List<Extent> out = new ArrayList<>();
        long left = count;
        if (goal < sb.firstDataBlock || goal >= sb.blocksCount) {
            goal = sb.firstDataBlock;
        }
        long startGroup = (goal - sb.firstDataBlock) / sb.blocksPerGroup;
        for (long i = 0; i <= sb.groupCount && left > 0; i++) {
            long g = (startGroup + i) % sb.groupCount;
            GroupDescriptor gd = group(g);
            if (gd.freeBlocks() == 0) {
                continue;
            }
            long first = sb.groupFirstBlock(g);
            long from = i == 0 ? goal - first : 0;
            // The last round comes back to the goal's group, from its start.
            left -= takeFromGroup(g, gd, from, left, out);
        }
        if (left > 0) {
            for (Extent e : out) {
                freeBlocks(e.start(), e.count(), false);
            }
            throw new IOException("ext filesystem: no space left on device (" + count + " blocks wanted)");
        }
        return out;
    }

    /** Root's reserve is for root: the writer acts as root, so nothing is held back (as debugfs and e2fsprogs). */
    private long reservedForRoot() {
        return 0;
    }

    private long takeFromGroup(long g, GroupDescriptor gd, long from, long want, List<Extent> out) throws IOException {
        byte[] bitmap = blockBitmapForChange(g, gd);
        long first = sb.groupFirstBlock(g);
        long inGroup = Math.min(sb.blocksPerGroup, sb.blocksCount - first);
        long taken = 0;
        long hint = firstMaybeFree.getOrDefault(g, 0L);
        long bit = Math.max(Math.max(0, from), hint);
        boolean fromHint = bit == hint;
        byte[] gdb = null;
        while (bit < inGroup && taken < want) {
            if ((bit & 7) == 0 && bitmap[(int) (bit >>> 3)] == (byte) 0xFF) {
                bit += 8;
                continue;
            }
            if (isSet(bitmap, bit) || freedInTx(first + bit)) {
                bit++;
                continue;
            }
            long runStart = bit;
            while (bit < inGroup && taken < want && !isSet(bitmap, bit) && !freedInTx(first + bit)) {
                set(bitmap, bit);
                bit++;
                taken++;
            }
            addRun(out, first + runStart, bit - runStart);
        }
        if (fromHint && freedInTx.isEmpty()) {
            firstMaybeFree.put(g, bit); // nothing free before here
        }
        if (taken > 0) {
            gdb = modifyGroup(g);
            GroupDescriptor now = GroupDescriptor.parse(g, gdb, descOffset(g), sb.descSize);
            GroupDescriptor.putFreeBlocks(gdb, descOffset(g), sb.descSize, now.freeBlocks() - taken);
            sealBlockBitmap(g, gdb, bitmap);
            freeBlocks -= taken;
        }
        return taken;
    }

    private static void addRun(List<Extent> out, long start, long count) {
        if (!out.isEmpty()) {
            Extent last = out.get(out.size() - 1);
            if (last.start() + last.count() == start) {
                out.set(out.size() - 1, new Extent(last.start(), last.count() + count));
                return;
            }
        }
        out.add(new Extent(start, count));
    }

    private boolean freedInTx(long block) {
        if (freedInTx.isEmpty()) {
            return false;
        }
        var e = freedInTx.floorEntry(block);
        return e != null && block < e.getKey() + e.getValue();
    }

    /** Frees {@code count} blocks from {@code start} (which must all lie in one group per call chunk). */
    void freeBlocks(long start, long count) throws IOException {
        freeBlocks(start, count, true);
    }

    private void freeBlocks(long start, long count, boolean holdUntilCommit) throws IOException {
        long b = start;
        long end = start + count;
        while (b < end) {
            long g = (b - sb.firstDataBlock) / sb.blocksPerGroup;
            long first = sb.groupFirstBlock(g);
            long stop = Math.min(end, first + sb.blocksPerGroup);
            GroupDescriptor gd = group(g);
            byte[] bitmap = blockBitmapForChange(g, gd);
            long n = 0;
            for (long x = b; x < stop; x++) {
                if (!isSet(bitmap, x - first)) {
                    throw new CorruptImageException("ext block bitmap of group " + g, -1,
                            "block " + x + " is freed but not marked in use");
                }
                clear(bitmap, x - first);
                n++;
            }
            byte[] gdb = modifyGroup(g);
            GroupDescriptor now = GroupDescriptor.parse(g, gdb, descOffset(g), sb.descSize);
            GroupDescriptor.putFreeBlocks(gdb, descOffset(g), sb.descSize, now.freeBlocks() + n);
            sealBlockBitmap(g, gdb, bitmap);
            freeBlocks += n;
            firstMaybeFree.merge(g, b - first, Math::min);
            if (holdUntilCommit) {
                if (!freedInTx.containsKey(b)) {
                    freedKeysThisOperation.add(b);
                }
                freedInTx.merge(b, stop - b, Math::max);
            }
            b = stop;
        }
    }

    /** The group's block bitmap, ready to change: initialised first when the group is BLOCK_UNINIT. */
    private byte[] blockBitmapForChange(long g, GroupDescriptor gd) throws IOException {
        String structure = "ext block bitmap of group " + g;
        checkMetadataBlock(gd.blockBitmap(), structure);
        if (groupCsum && (gd.flags() & GroupDescriptor.FLAG_BLOCK_UNINIT) != 0) {
            byte[] bitmap = tx.fresh(gd.blockBitmap(), structure);
            initBlockBitmap(g, bitmap);
            byte[] gdb = modifyGroup(g);
            GroupDescriptor.putFlags(gdb, descOffset(g), gd.flags() & ~GroupDescriptor.FLAG_BLOCK_UNINIT);
            sealBlockBitmap(g, gdb, bitmap);
            return bitmap;
        }
        return tx.modify(gd.blockBitmap(), structure);
    }

    /**
     * What an uninitialised group's bitmap holds, as the kernel's ext4_init_block_bitmap computes it: the group's
     * superblock backup and descriptor blocks, every group's bitmaps and inode table that lie in it (flex_bg puts a
     * whole flex group's there), and the bits past the end of the filesystem and of the group.
     */
    private void initBlockBitmap(long g, byte[] bitmap) throws IOException {
        long first = sb.groupFirstBlock(g);
        long inGroup = Math.min(sb.blocksPerGroup, sb.blocksCount - first);
        long base = 0;
        if (sb.groupHasSuper(g)) {
            base = 1 + sb.groupGdtBlocks(g);
            long metaGroup = g / sb.descPerBlock;
            if (!sb.hasIncompat(Features.INCOMPAT_META_BG) || metaGroup < sb.firstMetaBg) {
                base += sb.reservedGdtBlocks;
            }
        } else {
            base = sb.groupGdtBlocks(g);
        }
        if (g == 0 && sb.firstDataBlock == 0 && sb.blockSize == 1024) {
            base++;
        }
        for (long i = 0; i < base; i++) {
            set(bitmap, i);
        }
        long last = first + inGroup;
        for (long other = 0; other < sb.groupCount; other++) {
            GroupDescriptor o = group(other);
            markIfInside(bitmap, first, last, o.blockBitmap(), 1);
            markIfInside(bitmap, first, last, o.inodeBitmap(), 1);
            markIfInside(bitmap, first, last, o.inodeTable(), sb.inodeTableBlocks);
        }
        for (long bit = inGroup; bit < 8L * sb.blockSize; bit++) {
            set(bitmap, bit);
        }
    }

    private static void markIfInside(byte[] bitmap, long first, long last, long start, long count) {
        for (long b = Math.max(start, first); b < Math.min(start + count, last); b++) {
            set(bitmap, b - first);
        }
    }

    private void sealBlockBitmap(long g, byte[] gdb, byte[] bitmap) {
        if (sb.hasMetadataCsum()) {
            int crc = checksums.bitmap(bitmap, (int) (sb.clustersPerGroup / 8));
            GroupDescriptor.putBlockBitmapChecksum(gdb, descOffset(g), sb.descSize, crc);
        }
        sealGroup(g, gdb);
    }

    private void checkMetadataBlock(long block, String structure) throws CorruptImageException {
        if (block <= sb.firstDataBlock || block >= sb.blocksCount) {
            throw new CorruptImageException(structure, -1, "at block " + block + ", outside the filesystem");
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Inodes

    /** Allocates an inode, first free from the parent's group on (e2fsprogs' ext2fs_new_inode). */
    long allocateInode(long parentIno, boolean directory) throws IOException {
        if (freeInodes == 0) {
            throw new IOException("ext filesystem: no free inodes left");
        }
        long startGroup = (parentIno - 1) / sb.inodesPerGroup;
        for (long i = 0; i < sb.groupCount; i++) {
            long g = (startGroup + i) % sb.groupCount;
            GroupDescriptor gd = group(g);
            if (gd.freeInodes() == 0 || g * sb.inodesPerGroup >= sb.inodesCount) {
                continue;
            }
            byte[] bitmap = inodeBitmapForChange(g, gd);
            long from = g == 0 ? sb.firstIno - 1 : 0;
            long limit = Math.min(sb.inodesPerGroup, sb.inodesCount - g * sb.inodesPerGroup);
            for (long bit = from; bit < limit; bit++) {
                if ((bit & 7) == 0 && bitmap[(int) (bit >>> 3)] == (byte) 0xFF) {
                    bit += 7;
                    continue;
                }
                if (!isSet(bitmap, bit)) {
                    set(bitmap, bit);
                    byte[] gdb = modifyGroup(g);
                    int off = descOffset(g);
                    GroupDescriptor now = GroupDescriptor.parse(g, gdb, off, sb.descSize);
                    GroupDescriptor.putFreeInodes(gdb, off, sb.descSize, now.freeInodes() - 1);
                    if (directory) {
                        GroupDescriptor.putUsedDirs(gdb, off, sb.descSize,
                                GroupDescriptor.usedDirs(gdb, off, sb.descSize) + 1);
                    }
                    if (groupCsum) {
                        long unusedFrom = sb.inodesPerGroup - now.itableUnused();
                        if (bit >= unusedFrom) {
                            GroupDescriptor.putItableUnused(gdb, off, sb.descSize, sb.inodesPerGroup - bit - 1);
                        }
                        if ((now.flags() & GroupDescriptor.FLAG_BLOCK_UNINIT) != 0) {
                            blockBitmapForChange(g, now); // the kernel initialises it along with the inode's group
                        }
                    }
                    sealInodeBitmap(g, modifyGroup(g), bitmap);
                    freeInodes--;
                    return g * sb.inodesPerGroup + bit + 1;
                }
            }
        }
        throw new CorruptImageException("ext group descriptors", -1,
                "the superblock counts free inodes but no group has one");
    }

    /** Whether inode {@code ino} is marked in use in its group's bitmap (an uninitialised group holds none). */
    boolean inodeInUse(long ino) throws IOException {
        long g = (ino - 1) / sb.inodesPerGroup;
        long bit = (ino - 1) % sb.inodesPerGroup;
        GroupDescriptor gd = group(g);
        if (groupCsum && (gd.flags() & GroupDescriptor.FLAG_INODE_UNINIT) != 0) {
            return false;
        }
        checkMetadataBlock(gd.inodeBitmap(), "ext inode bitmap of group " + g);
        return isSet(tx.read(gd.inodeBitmap(), "ext inode bitmap of group " + g), bit);
    }

    void freeInode(long ino, boolean directory) throws IOException {
        long g = (ino - 1) / sb.inodesPerGroup;
        long bit = (ino - 1) % sb.inodesPerGroup;
        GroupDescriptor gd = group(g);
        byte[] bitmap = inodeBitmapForChange(g, gd);
        if (!isSet(bitmap, bit)) {
            throw new CorruptImageException("ext inode bitmap of group " + g, -1,
                    "inode " + ino + " is freed but not marked in use");
        }
        clear(bitmap, bit);
        byte[] gdb = modifyGroup(g);
        int off = descOffset(g);
        GroupDescriptor.putFreeInodes(gdb, off, sb.descSize, gd.freeInodes() + 1);
        if (directory) {
            GroupDescriptor.putUsedDirs(gdb, off, sb.descSize,
                    Math.max(0, GroupDescriptor.usedDirs(gdb, off, sb.descSize) - 1));
        }
        sealInodeBitmap(g, gdb, bitmap);
        freeInodes++;
    }

    private byte[] inodeBitmapForChange(long g, GroupDescriptor gd) throws IOException {
        String structure = "ext inode bitmap of group " + g;
        checkMetadataBlock(gd.inodeBitmap(), structure);
        if (groupCsum && (gd.flags() & GroupDescriptor.FLAG_INODE_UNINIT) != 0) {
            byte[] bitmap = tx.fresh(gd.inodeBitmap(), structure);
            for (long bit = sb.inodesPerGroup; bit < 8L * sb.blockSize; bit++) {
                set(bitmap, bit);
            }
            byte[] gdb = modifyGroup(g);
            GroupDescriptor.putFlags(gdb, descOffset(g), gd.flags() & ~GroupDescriptor.FLAG_INODE_UNINIT);
            sealInodeBitmap(g, gdb, bitmap);
            return bitmap;
        }
        return tx.modify(gd.inodeBitmap(), structure);
    }

    private void sealInodeBitmap(long g, byte[] gdb, byte[] bitmap) {
        if (sb.hasMetadataCsum()) {
            int crc = checksums.bitmap(bitmap, (int) (sb.inodesPerGroup / 8));
            GroupDescriptor.putInodeBitmapChecksum(gdb, descOffset(g), sb.descSize, crc);
        }
        sealGroup(g, gdb);
    }

    /** Writes the free counts into the superblock record {@code raw} at {@code off} (the caller reseals it). */
    void putCounts(byte[] raw, int off) {
        Le.put32(raw, off + 0x0C, (int) freeBlocks);
        if (sb.is64Bit()) {
            Le.put32(raw, off + 0x158, (int) (freeBlocks >>> 32));
        }
        Le.put32(raw, off + 0x10, (int) freeInodes);
    }

    private static boolean isSet(byte[] bitmap, long bit) {
        return (bitmap[(int) (bit >>> 3)] & (1 << (bit & 7))) != 0;
    }

    private static void set(byte[] bitmap, long bit) {
        bitmap[(int) (bit >>> 3)] |= (byte) (1 << (bit & 7));
    }

    private static void clear(byte[] bitmap, long bit) {
        bitmap[(int) (bit >>> 3)] &= (byte) ~(1 << (bit & 7));
    }
}
