package dev.platter.inspect.ext4;

import dev.platter.core.BlockDevice;
import dev.platter.core.CorruptImageException;
import dev.platter.inspect.fs.DirEntry;
import dev.platter.inspect.fs.FileStat;
import dev.platter.inspect.fs.FsOptions;
import dev.platter.inspect.fs.GuestFileSystem;
import dev.platter.inspect.fs.StatFs;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.NotDirectoryException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An ext2, ext3 or ext4 filesystem, read-only. Opening reads only the superblock; group descriptors, inodes and
 * metadata blocks are read when first needed and kept in bounded caches, so that a lookup in a big filesystem
 * touches a handful of blocks. Thread-safe: state is immutable apart from the synchronized caches and warnings.
 *
 * <p>A filesystem flagged needs_recovery is read as the kernel mounts it: its jbd2 journal is replayed in memory
 * ({@link JournalReplay}) and every later read goes through the resulting {@link JournalOverlay}; the device is never
 * written. With {@code FsOptions.replayJournal()} false it is read as it stands on disk, with a warning.
 */
public final class Ext4FileSystem implements GuestFileSystem {
    static final long ROOT_INODE = 2;
    private static final long CACHE_BYTES = 16L << 20;
    private static final long INODE_TABLE_CACHE_BYTES = 16L << 20;
    /** Inode tables are read in chunks of this size: listings stat inodes in runs, often out of order. */
    private static final int INODE_TABLE_CHUNK = 64 * 1024;
    private static final int INODE_CACHE_ENTRIES = 4096;
    private static final int GROUP_CACHE_ENTRIES = 1 << 16;

    private final BlockDevice device;
    private final Superblock sb;
    private final Warnings warnings = new Warnings();
    private final MetadataChecksums checksums;
    private final BlockCache cache = new BlockCache(CACHE_BYTES);
    private final BlockCache inodeTables = new BlockCache(INODE_TABLE_CACHE_BYTES);
    private final Map<Long, GroupDescriptor> groups = new ConcurrentHashMap<>();
    private final Map<Long, Inode> inodes = new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Inode> eldest) {
            return size() > INODE_CACHE_ENTRIES;
        }
    };

    /**
     * True when the kernel's mount would process the orphans: unless the filesystem is marked with errors. That
     * includes the on-disk state of --no-replay: a {@code ro,norecovery} mount processes the orphans the on-disk
     * superblock names (Linux 6.18: "orphan cleanup on readonly fs").
     */
    boolean processesOrphans() {
        return (sb.state & 0x2) == 0;
    }

    /** What journal recovery did, or null when the filesystem was read as it stands on disk. */
    private final JournalReplay.Result replay;

    private Ext4FileSystem(BlockDevice device, Superblock sb, FsOptions options, JournalReplay.Result replay) {
        this.device = device;
        this.sb = sb;
        this.checksums = new MetadataChecksums(sb, options, warnings);
        this.replay = replay;
    }

    /** Opens the ext filesystem at the start of {@code device} (which stays owned by the caller). */
    public static Ext4FileSystem open(BlockDevice device, FsOptions options) throws IOException {
        if (device.size() < Superblock.OFFSET + Superblock.SIZE) {
            throw new CorruptImageException(Superblock.STRUCTURE, Superblock.OFFSET,
                    "the device (" + device.size() + " bytes) is too small to hold one");
        }
        Superblock sb = Superblock.parse(device.readBytes(Superblock.OFFSET, Superblock.SIZE));
        Features.checkIncompat(sb.featureIncompat & 0xFFFFFFFFL);
        Ext4FileSystem fs = new Ext4FileSystem(device, sb, options, null);
        fs.checksums.superblock();
        if (options.replayJournal() && sb.hasIncompat(Features.INCOMPAT_RECOVER)
                && sb.hasCompat(Features.COMPAT_HAS_JOURNAL)) {
            fs = recovered(fs, options);
        }
        fs.checkOpenState();
        return fs;
    }

    /**
     * The filesystem as the kernel mounts it after journal recovery: the journal (found through the on-disk state,
     * as the kernel loads it) replayed into an overlay, then the superblock read again through it, since the log
     * usually holds a newer copy.
     */
    private static Ext4FileSystem recovered(Ext4FileSystem onDisk, FsOptions options) throws IOException {
        JournalReplay.Result result = JournalReplay.replay(onDisk);
        BlockDevice overlay = result.overlay().isEmpty() ? onDisk.device
                : new JournalOverlay(onDisk.device, onDisk.sb.blockSize, result.overlay());
        Superblock sb;
        try {
            sb = Superblock.parse(overlay.readBytes(Superblock.OFFSET, Superblock.SIZE));
        } catch (CorruptImageException e) {
            throw new CorruptImageException("ext superblock (after journal replay)", Superblock.OFFSET,
                    e.getMessage(), e);
        }
        Features.checkIncompat(sb.featureIncompat & 0xFFFFFFFFL);
        Ext4FileSystem fs = new Ext4FileSystem(overlay, sb, options, result);
        fs.checksums.superblock();
        return fs;
    }

    /** What journal recovery did ("journal replayed in memory: ..."), or null when none was needed or asked. */
    @Override
    public String journalReplay() {
        return replay == null || !replay.needed() ? null : replay.describe();
    }

    private void checkOpenState() throws CorruptImageException {
        if (sb.hasIncompat(Features.INCOMPAT_META_BG) && sb.firstMetaBg > sb.gdtBlocks()) {
            throw new CorruptImageException(Superblock.STRUCTURE, Superblock.OFFSET,
                    "first meta_bg " + sb.firstMetaBg + " beyond the " + sb.gdtBlocks() + " descriptor blocks");
        }
        if (sb.hasIncompat(Features.INCOMPAT_RECOVER) && replay == null) {
            warnings.add("the filesystem needs recovery (needs_recovery): its journal holds changes not yet written"
                    + " in place; reading it as it stands on disk, without replaying the journal");
        }
        if ((sb.state & 0x2) != 0) {
            warnings.add("the filesystem is marked as having errors (s_state)");
        }
        if (OrphanCleanup.present(sb) && !processesOrphans()) {
            warnings.add("orphan inodes are present (unlinked while open or being truncated); not processed"
                    + " (the kernel skips them on a filesystem with errors)");
        }
        if (sb.hasRoCompat(Features.RO_COMPAT_HAS_SNAPSHOT)) {
            warnings.add("the filesystem carries out-of-tree snapshot metadata (has_snapshot), ignored");
        }
        if (sb.hasIncompat(Features.INCOMPAT_ENCRYPT)) {
            warnings.add("the filesystem supports encryption: names and contents in encrypted directories are"
                    + " shown as stored (ciphertext)");
        }
        if (sb.groupCount * sb.descSize > device.size()) {
            throw new CorruptImageException(Superblock.STRUCTURE, Superblock.OFFSET, sb.groupCount
                    + " group descriptors cannot fit a device of " + device.size() + " bytes");
        }
        long fsBytes = sb.blocksCount * sb.blockSize;
        if (fsBytes > device.size()) {
            warnings.add("the filesystem (" + fsBytes + " bytes) is larger than its device (" + device.size()
                    + " bytes): truncated image?");
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // GuestFileSystem

    @Override
    public String type() {
        int c = sb.featureCompat, i = sb.featureIncompat, r = sb.featureRoCompat;
        int roExt23 = Features.RO_COMPAT_SPARSE_SUPER | Features.RO_COMPAT_LARGE_FILE | Features.RO_COMPAT_BTREE_DIR;
        boolean journal = (c & Features.COMPAT_HAS_JOURNAL) != 0;
        // blkid's rules: ext2 and ext3 only use features those drivers understood; anything more is ext4.
        if (!journal && (r & ~roExt23) == 0 && (i & ~(Features.INCOMPAT_FILETYPE | Features.INCOMPAT_META_BG)) == 0) {
            return "ext2";
        }
        if (journal && (r & ~roExt23) == 0 && (i & ~(Features.INCOMPAT_FILETYPE | Features.INCOMPAT_RECOVER
                | Features.INCOMPAT_META_BG)) == 0) {
            return "ext3";
        }
        return "ext4";
    }

    @Override
    public String label() {
        return sb.label();
    }

    @Override
    public String uuid() {
        return sb.uuidString();
    }

    @Override
    public long rootInode() {
        return ROOT_INODE;
    }

    @Override
    public FileStat stat(long ino) throws IOException {
        Inode inode = inode(ino);
        long[] dev = inode.isDevice() ? inode.device() : new long[2];
        long size = size(inode);
        long blocks = inode.blocks512(sb.hasRoCompat(Features.RO_COMPAT_HUGE_FILE), sb.blockSize);
        if (inode.isRegular() && inode.hasFlag(Inode.FLAG_INLINE_DATA)) {
            // The kernel's stat (ext4_file_getattr) counts a regular file's inline bytes as sectors, so that tar and
            // rsync do not take it for a hole; i_blocks holds only an xattr block, if any.
            blocks += (size + 511) >> 9;
        }
        return new FileStat(ino, inode.mode, inode.linksCount, inode.uid, inode.gid, size, blocks,
                inode.atime(), inode.mtime(), inode.ctime(), inode.crtime(), dev[0], dev[1]);
    }

    @Override
    public List<DirEntry> list(long dirInode) throws IOException {
        return directory(dirInode).list();
    }

    @Override
    public DirEntry lookup(long dirInode, byte[] name) throws IOException {
        return directory(dirInode).lookup(name);
    }

    @Override
    public byte[] readlink(long ino) throws IOException {
        Inode inode = inode(ino);
        if (!inode.isSymlink()) {
            throw new IOException("ext inode " + ino + " is not a symbolic link");
        }
        long size = size(inode);
        if (size > Math.max(4096, sb.blockSize)) {
            throw new CorruptImageException("ext inode " + ino, -1, "symbolic link of " + size + " bytes");
        }
        if (inode.hasFlag(Inode.FLAG_INLINE_DATA)) {
            return Arrays.copyOf(InlineData.read(this, inode), (int) size);
        }
        long eaBlocks = inode.fileAcl != 0 ? (sb.clusterRatio() * sb.blockSize) / 512 : 0;
        long dataBlocks = inode.blocks512(sb.hasRoCompat(Features.RO_COMPAT_HUGE_FILE), sb.blockSize) - eaBlocks;
        if (dataBlocks == 0 && size < Inode.I_BLOCK_SIZE) {
            byte[] target = new byte[(int) size];
            System.arraycopy(inode.raw, Inode.I_BLOCK, target, 0, (int) size);
            return target;
        }
        byte[] target = new byte[(int) size];
        new Ext4File(this, inode, size).read(0, ByteBuffer.wrap(target));
        return target;
    }

    @Override
    public BlockDevice open(long ino) throws IOException {
        Inode inode = inode(ino);
        if (!inode.isRegular()) {
            throw new IOException("ext inode " + ino + " is not a regular file");
        }
        return new Ext4File(this, inode, size(inode));
    }

    @Override
    public Map<String, byte[]> xattrs(long ino) throws IOException {
        return Xattrs.all(this, inode(ino));
    }

    @Override
    public StatFs statfs() throws IOException {
        return StatFsCalculator.statfs(this);
    }

    @Override
    public List<String> warnings() {
        return warnings.list();
    }

    @Override
    public void close() {
        // The device belongs to the caller; the caches go with this object.
    }

    // ---------------------------------------------------------------------------------------------------------
    // Internals shared by the structure readers of this package.

    Superblock superblock() {
        return sb;
    }

    int blockSize() {
        return sb.blockSize;
    }

    BlockDevice device() {
        return device;
    }

    MetadataChecksums checksums() {
        return checksums;
    }

    void warn(String message) {
        warnings.add(message);
    }

    long size(Inode inode) throws CorruptImageException {
        long size = inode.size(sb.hasIncompat(Features.INCOMPAT_LARGEDIR));
        if (size < 0) {
            throw new CorruptImageException("ext inode " + inode.number, -1, "negative size " + size);
        }
        return size;
    }

    Directory directory(long ino) throws IOException {
        Inode inode = inode(ino);
        if (!inode.isDirectory()) {
            throw new NotDirectoryException("ext inode " + ino);
        }
        return new Directory(this, inode);
    }

    BlockMapper mapper(Inode inode) {
        return inode.hasFlag(Inode.FLAG_EXTENTS) ? new ExtentTree(this, inode) : new IndirectBlockMap(this, inode);
    }

    /** Reads block {@code block} from the device, uncached; {@code structure} names it in errors. */
    byte[] readBlock(long block, String structure) throws IOException {
        return readBlocks(block, 1, structure);
    }

    /** Reads {@code count} blocks from {@code block} on, uncached. */
    byte[] readBlocks(long block, int count, String structure) throws IOException {
        long offset = checkedOffset(block, count, structure);
        byte[] b = new byte[count * sb.blockSize];
        try {
            device.read(offset, ByteBuffer.wrap(b));
        } catch (EOFException e) {
            throw new CorruptImageException(structure, offset, "block " + block + " lies past the end of the device", e);
        }
        return b;
    }

    /** Byte offset of {@code block}, checked against the filesystem and the device. */
    long checkedOffset(long block, String structure) throws CorruptImageException {
        return checkedOffset(block, 1, structure);
    }

    private long checkedOffset(long block, int count, String structure) throws CorruptImageException {
        if (block < 0 || block > sb.blocksCount - count) {
            throw new CorruptImageException(structure, -1,
                    "block " + block + " is outside the filesystem (" + sb.blocksCount + " blocks)");
        }
        long offset = block * sb.blockSize;
        if (offset + (long) count * sb.blockSize > device.size()) {
            throw new CorruptImageException(structure, offset,
                    "block " + block + " lies past the end of the device (" + device.size() + " bytes)");
        }
        return offset;
    }

    /** A metadata block through the cache. */
    byte[] metadataBlock(long block, String structure) throws IOException {
        byte[] b = cache.get(block);
        if (b == null) {
            b = readBlock(block, structure);
            cache.put(block, b);
        }
        return b;
    }

    byte[] indirectBlock(long block, String structure) throws IOException {
        if (block <= sb.firstDataBlock) {
            throw new CorruptImageException(structure, -1, "indirect block number " + block);
        }
        return metadataBlock(block, structure);
    }

    /** An extent-tree block, its checksum verified against its header's capacity. */
    byte[] extentBlock(long block, Inode owner, String structure) throws IOException {
        if (block <= sb.firstDataBlock) {
            throw new CorruptImageException(structure, -1, "extent node block number " + block);
        }
        byte[] b = metadataBlock(block, structure);
        if (ExtentHeader.hasMagic(b, 0)) {
            ExtentHeader h = ExtentHeader.parse(b, 0);
            if (h.problem(b.length) == null) {
                checksums.extentBlock(owner, b, h.max(), block * sb.blockSize);
            }
        }
        return b;
    }

    /** The descriptor of group {@code g}, checksum verified (once: descriptors are kept). */
    GroupDescriptor group(long g) throws IOException {
        GroupDescriptor gd = groups.get(g);
        if (gd != null) {
            return gd;
        }
        if (g < 0 || g >= sb.groupCount) {
            throw new CorruptImageException("ext group descriptor " + g, -1,
                    "group out of range (" + sb.groupCount + " groups)");
        }
        long index = g / sb.descPerBlock;
        long block = sb.descriptorBlock(index);
        byte[] b = metadataBlock(block, "ext group descriptor table block " + index);
        int off = (int) (g % sb.descPerBlock) * sb.descSize;
        checksums.groupDescriptor(g, b, off, block * sb.blockSize + off);
        gd = GroupDescriptor.parse(g, b, off, sb.descSize);
        if (groups.size() < GROUP_CACHE_ENTRIES) {
            groups.put(g, gd);
        }
        return gd;
    }

    /** Inode {@code ino}, validated (in range, initialised, in use, checksum) and cached. */
    Inode inode(long ino) throws IOException {
        if (ino < 1 || ino > sb.inodesCount) {
            throw new CorruptImageException("ext inode " + ino, -1,
                    "inode number out of range (1 to " + sb.inodesCount + ")");
        }
        synchronized (inodes) {
            Inode cached = inodes.get(ino);
            if (cached != null) {
                return cached;
            }
        }
        String structure = "ext inode " + ino;
        long group = (ino - 1) / sb.inodesPerGroup;
        long index = (ino - 1) % sb.inodesPerGroup;
        GroupDescriptor gd = group(group);
        boolean groupCsum = sb.hasMetadataCsum() || sb.hasRoCompat(Features.RO_COMPAT_GDT_CSUM);
        if (groupCsum && (gd.flags() & GroupDescriptor.FLAG_INODE_UNINIT) != 0) {
            throw new CorruptImageException(structure, -1, "lies in group " + group + ", whose inode table is"
                    + " uninitialised");
        }
        if (groupCsum && gd.itableUnused() <= sb.inodesPerGroup && index >= sb.inodesPerGroup - gd.itableUnused()) {
            throw new CorruptImageException(structure, -1, "lies in the never-used tail of group " + group
                    + "'s inode table");
        }
        if (gd.inodeTable() <= sb.firstDataBlock || gd.inodeTable() + sb.inodeTableBlocks > sb.blocksCount) {
            throw new CorruptImageException("ext group descriptor " + group, -1,
                    "inode table at block " + gd.inodeTable() + " lies outside the filesystem");
        }
        long byteInTable = index * sb.inodeSize;
        long chunkBlocks = Math.max(1, INODE_TABLE_CHUNK / sb.blockSize);
        long chunk = byteInTable / sb.blockSize / chunkBlocks;
        long chunkStart = gd.inodeTable() + chunk * chunkBlocks;
        int off = (int) (byteInTable - chunk * chunkBlocks * sb.blockSize);
        byte[] b = inodeTables.get(chunkStart);
        if (b == null || b.length < off + sb.inodeSize) {
            int count = (int) Math.min(chunkBlocks, sb.inodeTableBlocks - chunk * chunkBlocks);
            b = readBlocks(chunkStart, count, "ext inode table of group " + group);
            inodeTables.put(chunkStart, b);
        }
        byte[] raw = Arrays.copyOfRange(b, off, off + sb.inodeSize);
        long diskOffset = chunkStart * sb.blockSize + off;
        Inode inode = new Inode(ino, raw, sb.is64Bit());
        if (raw.length > Inode.GOOD_OLD_SIZE
                && (inode.extraIsize > raw.length - Inode.GOOD_OLD_SIZE || (inode.extraIsize & 3) != 0)) {
            throw new CorruptImageException(structure, diskOffset, "i_extra_isize " + inode.extraIsize
                    + " does not fit a " + raw.length + "-byte inode");
        }
        if (inode.mode == 0 && inode.linksCount == 0) {
            throw new CorruptImageException(structure, diskOffset, "the inode is not in use");
        }
        checksums.inode(inode, diskOffset);
        if (inode.mode == 0) {
            throw new CorruptImageException(structure, diskOffset, "the inode has no type (mode 0)");
        }
        synchronized (inodes) {
            inodes.put(ino, inode);
        }
        return inode;
    }
}
