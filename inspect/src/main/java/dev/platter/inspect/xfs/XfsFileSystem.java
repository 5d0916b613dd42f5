package dev.platter.inspect.xfs;

import dev.platter.core.BlockDevice;
import dev.platter.core.CorruptImageException;
import dev.platter.core.UnsupportedFeatureException;
import dev.platter.inspect.fs.DirEntry;
import dev.platter.inspect.fs.FileStat;
import dev.platter.inspect.fs.FileType;
import dev.platter.inspect.fs.FsOptions;
import dev.platter.inspect.fs.GuestFileSystem;
import dev.platter.inspect.fs.StatFs;

import java.io.IOException;
import java.nio.file.NotDirectoryException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An XFS filesystem (v4 and v5), read-only. Opening reads only the superblock, the log's head and the root inode;
 * everything else is read on demand through a bounded cache, so a lookup never scans the filesystem.
 *
 * <p>A dirty internal log is replayed in memory as the kernel's mount replays it ({@link LogRecovery}), unless
 * {@link FsOptions#replayJournal()} is false (then the on-disk state is read, with a warning, as
 * {@code mount -o norecovery} shows it); the image is never written, and a log that cannot be replayed safely is an
 * error, never a stale view. Files of the realtime section (on another device) cannot be read; everything on the
 * data device can.
 */
public final class XfsFileSystem implements GuestFileSystem {
    private static final int INODE_CACHE = 4096;
    /** XFS_SB_FEAT_INCOMPAT_LOG_XATTRS: logged xattr updates (ATTRI/ATTRD items), the one log feature known. */
    static final long LOG_INCOMPAT_KNOWN = 0x1;
    /** Bound on the replayed blocks a log recovery may hold in memory. */
    static final long MAX_OVERLAY_BYTES = 1L << 30;
    /** XFS_SYMLINK_MAXLEN. */
    static final int SYMLINK_MAX = 1024;

    private final XfsContext ctx;
    private final XfsLog.Verdict log;
    /**
     * What log recovery replayed, or null when the log was read as it stands (clean, or replay not asked for); after
     * a replay statfs counts the CoW staging extents the crash left as free, as the kernel does.
     */
    private final String replayNote;
    /** After a replay: the inodes on the unlinked lists the kernel frees at mount, when exactly accountable. */
    private final UnlinkedInodes.Effect unlinked;
    /** After a replay: the blocks of the unfinished extent-free intents, which the kernel frees at mount. */
    private final long intentFrees;
    private final Map<Long, XfsInode> inodes = new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, XfsInode> eldest) {
            return size() > INODE_CACHE;
        }
    };

    private XfsFileSystem(XfsContext ctx, XfsLog.Verdict log, String replayNote, UnlinkedInodes.Effect unlinked,
                          long intentFrees) {
        this.ctx = ctx;
        this.log = log;
        this.replayNote = replayNote;
        this.unlinked = unlinked.exact() ? unlinked : UnlinkedInodes.Effect.NONE;
        this.intentFrees = intentFrees;
    }

    /** Opens the XFS filesystem on {@code device} (which stays owned by the caller). */
    public static XfsFileSystem open(BlockDevice device, FsOptions options) throws IOException {
        try {
            return doOpen(device, options);
        } catch (RuntimeException e) {
            throw corrupt("xfs superblock", e);
        }
    }

    private static XfsFileSystem doOpen(BlockDevice device, FsOptions options) throws IOException {
        BlockReader reader = new BlockReader(device);
        if (device.size() < 512) {
            throw new CorruptImageException("xfs superblock", 0, "device of " + device.size() + " bytes is too small");
        }
        byte[] first = reader.read(0, 512, "xfs superblock");
        if (!Superblock.hasMagic(first)) {
            throw new CorruptImageException("xfs superblock", 0, "bad magic " + Be.magicText(Be.u32(first, 0))
                    + ", expected XFSB");
        }
        Superblock sb = Superblock.parse(first);
        sb.validate();
        Warnings warnings = new Warnings();
        List<String> notes = sb.checkSupported();
        notes.forEach(warnings::add);
        XfsContext ctx = new XfsContext(sb, reader, options, warnings);
        if (sb.isV5()) {
            byte[] sector = reader.read(0, sb.sectSize(), "xfs superblock");
            ctx.checksums.verify(sector, 0, sector.length, Superblock.CRC_OFFSET, "xfs superblock", 0);
        }
        if (device.size() < ctx.geo.deviceBytes()) {
            warnings.add("xfs: the device holds " + device.size() + " bytes but the filesystem claims "
                    + ctx.geo.deviceBytes() + ": the image may be truncated");
        }
        if (sb.hasRealtime()) {
            warnings.add("xfs: this filesystem has a realtime section on a separate device (" + sb.rblocks()
                    + " blocks); files stored there cannot be read");
        }
        XfsLog.Verdict log;
        LogRecovery.Summary replayed = null;
        UnlinkedInodes.Effect unlinked = UnlinkedInodes.Effect.NONE;
        if (options.replayJournal() && sb.hasInternalLog()) {
            // Replay as the kernel's mount does; a log that cannot be read or replayed is an error, never a
            // silently stale view.
            XfsLog xlog = new XfsLog(ctx);
            log = xlog.verdict();
            if (log.state() == XfsLog.State.DIRTY) {
                long unknownLogFeatures = sb.isV5() ? sb.featuresLogIncompat() & ~LOG_INCOMPAT_KNOWN : 0;
                if (unknownLogFeatures != 0) {
                    // As the kernel: a dirty log with unknown log features may hold items it cannot replay.
                    throw new UnsupportedFeatureException("xfs log incompat 0x" + Long.toHexString(unknownLogFeatures),
                            "the dirty log may hold items of an unknown log feature (0x"
                            + Long.toHexString(unknownLogFeatures) + "); it cannot be replayed safely");
                }
                LogOverlay overlay = new LogOverlay(device, MAX_OVERLAY_BYTES);
                try {
                    replayed = LogRecovery.replay(ctx, xlog, log, overlay);
                } catch (RuntimeException e) {
                    throw new CorruptImageException("xfs log", xlog.start, "inconsistent log contents (" + e + ")", e);
                }
                ctx = reread(overlay.device(), options, warnings);
                unlinked = UnlinkedInodes.effect(ctx);
                if (unlinked.inodes() > 0) {
                    warnings.add("xfs: " + unlinked.inodes() + " inodes (holding " + unlinked.freedBlocks()
                            + " blocks with their chunks) are on the unlinked lists; the kernel frees them when it mounts"
                            + (unlinked.exact() ? ", and free space and free inodes here count them as freed"
                            : "; some of them (shared or realtime blocks, or no inode btree record) cannot be accounted"
                            + " exactly, so free space and free inodes here still count them as used"));
                }
            }
        } else {
            log = XfsLog.inspect(ctx);
        }
        switch (log.state()) {
            case DIRTY -> {
                if (replayed != null) {
                    replayed.pendingIntents().forEach(p -> warnings.add("xfs: " + p));
                } else {
                    warnings.add("xfs: the log is dirty (not unmounted cleanly; " + log.detail()
                            + "): reading the on-disk state without replaying the log, recent changes may be missing");
                }
            }
            case UNKNOWN -> warnings.add("xfs: could not tell whether the log is clean (" + log.detail()
                    + "); reading the on-disk state without replaying the log");
            case EXTERNAL -> warnings.add("xfs: " + log.detail() + (options.replayJournal()
                    ? "; an external log is not replayed, reading the on-disk state" : "; reading the on-disk state"));
            case CLEAN -> { }
        }
        String note = replayed == null ? null : "log replayed in memory: " + replayed.transactions()
                + " transactions (log blocks " + log.tail() + " to " + log.head() + "), " + replayed.buffers()
                + " buffers, " + replayed.inodes() + " inodes, " + replayed.icreates()
                + " inode chunks; the image was not written";
        XfsFileSystem fs = new XfsFileSystem(ctx, log, note, unlinked,
                replayed == null ? 0 : replayed.pendingFreeBlocks());
        XfsInode root = fs.inode(sb.rootIno());
        if (root.type() != FileType.DIRECTORY) {
            throw new CorruptImageException("xfs root inode " + sb.rootIno(), root.position,
                    "is not a directory (mode 0" + Integer.toOctalString(root.core.mode()) + ")");
        }
        return fs;
    }

    /** After a replay: the superblock as recovery left it (it may be logged too), over the replayed device. */
    private static XfsContext reread(BlockDevice replayed, FsOptions options, Warnings warnings) throws IOException {
        BlockReader reader = new BlockReader(replayed);
        byte[] first = reader.read(0, 512, "xfs superblock");
        if (!Superblock.hasMagic(first)) {
            throw new CorruptImageException("xfs superblock", 0, "bad magic after log replay");
        }
        Superblock sb = Superblock.parse(first);
        sb.validate();
        sb.checkSupported().forEach(warnings::add);
        XfsContext ctx = new XfsContext(sb, reader, options, warnings);
        if (sb.isV5()) {
            byte[] sector = reader.read(0, sb.sectSize(), "xfs superblock");
            ctx.checksums.verify(sector, 0, sector.length, Superblock.CRC_OFFSET, "xfs superblock", 0);
        }
        return ctx;
    }

    /** Wraps an unexpected runtime failure while parsing untrusted bytes into a corruption report. */
    static CorruptImageException corrupt(String what, RuntimeException e) {
        return new CorruptImageException(what, -1, "inconsistent metadata (" + e + ")", e);
    }

    private interface Call<T> {
        T run() throws IOException;
    }

    private static <T> T guard(String what, Call<T> call) throws IOException {
        try {
            return call.run();
        } catch (RuntimeException e) {
            throw corrupt(what, e);
        }
    }

    XfsInode inode(long ino) throws IOException {
        synchronized (inodes) {
            XfsInode cached = inodes.get(ino);
            if (cached != null) {
                return cached;
            }
        }
        String what = "xfs inode " + Long.toUnsignedString(ino);
        long pos = ctx.geo.inodeByte(ino);
        long blockPos = pos & ~((long) ctx.geo.blockSize - 1);
        byte[] block = ctx.reader.readCached(blockPos, ctx.geo.blockSize, what);
        byte[] raw = Be.slice(block, (int) (pos - blockPos), ctx.geo.inodeSize);
        if (Be.u16(raw, 0) != InodeCore.MAGIC) {
            throw new CorruptImageException(what, pos, "bad magic 0x" + Integer.toHexString(Be.u16(raw, 0))
                    + " (expected 0x494e \"IN\"): not an inode");
        }
        if (ctx.v5) {
            ctx.checksums.verify(raw, 0, raw.length, InodeCore.CRC_OFFSET, what, pos);
        }
        XfsInode inode = XfsInode.parse(ino, pos, raw, ctx.sb);
        synchronized (inodes) {
            inodes.put(ino, inode);
        }
        return inode;
    }

    /** The log's state as found at open. */
    XfsLog.Verdict logVerdict() {
        return log;
    }

    XfsContext context() {
        return ctx;
    }

    @Override
    public String type() {
        return "xfs";
    }

    @Override
    public String label() {
        return ctx.sb.label();
    }

    @Override
    public String uuid() {
        return Superblock.uuidText(ctx.sb.uuid());
    }

    @Override
    public long rootInode() {
        return ctx.sb.rootIno();
    }

    @Override
    public FileStat stat(long ino) throws IOException {
        return guard("xfs inode " + Long.toUnsignedString(ino), () -> {
            XfsInode inode = inode(ino);
            InodeCore c = inode.core;
            long major = 0;
            long minor = 0;
            FileType type = inode.type();
            if (type == FileType.CHAR_DEVICE || type == FileType.BLOCK_DEVICE) {
                long rdev = inode.rdev();
                major = (rdev >>> 18) & 0x1FF; // Linux keeps 9 bits of the 14-bit sysv major
                minor = rdev & 0x3FFFF;
            }
            long nblocks = c.nblocks();
            int shift = ctx.geo.blockLog - 9;
            long blocks = nblocks > (Long.MAX_VALUE >> shift) ? Long.MAX_VALUE : nblocks << shift;
            return new FileStat(ino, c.mode(), c.nlink(), c.uid(), c.gid(), c.size(), blocks, c.atime(), c.mtime(),
                    c.ctime(), c.crtime(), major, minor);
        });
    }

    private XfsInode directory(long ino) throws IOException {
        XfsInode inode = inode(ino);
        if (inode.type() != FileType.DIRECTORY) {
            throw new NotDirectoryException(inode.what());
        }
        return inode;
    }

    @Override
    public List<DirEntry> list(long dirInode) throws IOException {
        return guard("xfs directory " + Long.toUnsignedString(dirInode),
                () -> new XfsDirectory(ctx, directory(dirInode)).list());
    }

    @Override
    public DirEntry lookup(long dirInode, byte[] name) throws IOException {
        return guard("xfs directory " + Long.toUnsignedString(dirInode),
                () -> new XfsDirectory(ctx, directory(dirInode)).lookup(name));
    }

    @Override
    public byte[] readlink(long ino) throws IOException {
        return guard("xfs inode " + Long.toUnsignedString(ino), () -> {
            XfsInode inode = inode(ino);
            if (inode.type() != FileType.SYMLINK) {
                throw new IOException(inode.what() + " is not a symbolic link");
            }
            return XfsSymlink.read(ctx, inode);
        });
    }

    @Override
    public BlockDevice open(long ino) throws IOException {
        return guard("xfs inode " + Long.toUnsignedString(ino), () -> {
            XfsInode inode = inode(ino);
            if (inode.type() != FileType.REGULAR) {
                throw new IOException(inode.what() + " is not a regular file");
            }
            if (inode.core.isRealtime()) {
                throw new UnsupportedFeatureException("xfs realtime file", inode.what()
                        + " keeps its data on the realtime device, which is not available");
            }
            return XfsFileDevice.open(ctx, inode);
        });
    }

    @Override
    public Map<String, byte[]> xattrs(long ino) throws IOException {
        return guard("xfs inode " + Long.toUnsignedString(ino), () -> new XfsAttributes(ctx, inode(ino)).list());
    }

    @Override
    public StatFs statfs() throws IOException {
        return guard("xfs statfs", () -> XfsStatFs.compute(ctx, log.state() == XfsLog.State.DIRTY,
                replayNote != null ? RefcountCowStaging.blocks(ctx) : 0, unlinked, intentFrees));
    }

    /** What log recovery did ("log replayed in memory: ..."), or null when the log was not replayed. */
    @Override
    public String journalReplay() {
        return replayNote;
    }

    @Override
    public List<String> warnings() {
        return ctx.warnings.list();
    }

    @Override
    public void close() {
        synchronized (inodes) {
            inodes.clear();
        }
    }
}
