package dev.platter.inspect.ext4;

import dev.platter.core.BlockDevice;
import dev.platter.core.CorruptImageException;
import dev.platter.core.UnsupportedFeatureException;
import dev.platter.inspect.fs.DirEntry;
import dev.platter.inspect.fs.FileStat;
import dev.platter.inspect.fs.FileType;
import dev.platter.inspect.fs.FsOptions;
import dev.platter.inspect.fs.StatFs;
import dev.platter.inspect.fs.WritableFileSystem;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An ext2, ext3 or ext4 filesystem opened for writing. Operations change metadata in the open transaction
 * ({@link TxBlocks}); file data goes straight to blocks free on disk. A transaction is committed through the jbd2
 * journal when the filesystem has one ({@link JournalWriter}), at {@link #commit()} or before an operation when the
 * transaction has grown to a quarter of the journal; without a journal (ext2) its blocks are written in the order of
 * the operations' steps (allocate, then fill, then link; unlink, then release), flushed between steps, so that a
 * crash leaves at worst blocks and inodes that e2fsck reclaims.
 *
 * <p>Refused by name at open: features whose bookkeeping the writer does not keep (bigalloc, quota, mmp ...), a
 * journal that needs recovery (unless replayed first, in place), a filesystem with errors or orphans. Refused per
 * operation: encrypted or casefolded directories, verity and encrypted files. With inline_data, small new files are
 * stored inline, and an inline directory or file that changes moves to a block first (as the kernel moves one that
 * outgrows its inode). SELinux labels and other extended attributes of existing inodes are left as they are; new
 * inodes get none.
 */
public final class Ext4Writer implements WritableFileSystem {
    private static final int RO_COMPAT_WRITABLE = Features.RO_COMPAT_SPARSE_SUPER | Features.RO_COMPAT_LARGE_FILE
            | Features.RO_COMPAT_HUGE_FILE | Features.RO_COMPAT_GDT_CSUM | 0x20 /* dir_nlink */
            | 0x40 /* extra_isize */ | Features.RO_COMPAT_METADATA_CSUM | 0x8000 /* verity */;
    private static final int INCOMPAT_WRITABLE = Features.INCOMPAT_FILETYPE | Features.INCOMPAT_META_BG
            | Features.INCOMPAT_EXTENTS | Features.INCOMPAT_64BIT | Features.INCOMPAT_FLEX_BG
            | Features.INCOMPAT_CSUM_SEED | Features.INCOMPAT_LARGEDIR | Features.INCOMPAT_INLINE_DATA
            | Features.INCOMPAT_ENCRYPT | Features.INCOMPAT_CASEFOLD;
    private static final int RO_COMPAT_DIR_NLINK = 0x20;
    private static final int MAX_LINKS = 65000;
    private static final int CHUNK = 1 << 20;

    private final BlockDevice device;
    private final FsOptions options;
    private final Superblock sb;
    private final TxBlocks tx;
    private final MetadataChecksums checksums;
    private final Allocator allocator;
    private final InodeTable inodes;
    private final BlockMapBuilder maps;
    private final DirectoryWriter dirs;
    private final JournalWriter journal;
    private final int txLimit;
    private final SecureRandom random = new SecureRandom();
    /** The one buffer file contents pass through (a writer is used by one thread at a time). */
    private final byte[] chunk;
    private Ext4FileSystem view;
    private boolean closed;
    /** Why a commit failed, after which nothing more is written; null while all is well. */
    private String failed;

    private Ext4Writer(BlockDevice device, FsOptions options, Superblock sb) throws IOException {
        this.device = device;
        this.options = options;
        this.sb = sb;
        this.tx = new TxBlocks(device, sb.blockSize, sb.blocksCount, !sb.hasCompat(Features.COMPAT_HAS_JOURNAL));
        this.checksums = new MetadataChecksums(sb, FsOptions.defaults(), new Warnings());
        this.allocator = new Allocator(sb, tx, checksums);
        this.inodes = new InodeTable(sb, tx, allocator, checksums);
        this.maps = new BlockMapBuilder(sb, tx, allocator, checksums);
        this.dirs = new DirectoryWriter(this, sb, tx, checksums);
        this.chunk = new byte[Math.max(CHUNK, sb.blockSize)];
        if (sb.hasCompat(Features.COMPAT_HAS_JOURNAL)) {
            this.journal = JournalWriter.open(device, sb, tx, inodes.read(sb.journalInum));
            this.txLimit = Math.max(16, journal.capacity() / 4);
        } else {
            this.journal = null;
            this.txLimit = 4096;
        }
    }

    /**
     * Opens the ext filesystem on {@code device} for writing. With {@code replayInPlace}, a journal that needs
     * recovery is first replayed onto the device, as e2fsck replays it; without, such a filesystem is refused.
     */
    public static Ext4Writer open(BlockDevice device, FsOptions options, boolean replayInPlace) throws IOException {
        if (device.isReadOnly()) {
            throw new IOException(device.describe() + " is read-only: cannot write into its filesystem");
        }
        Ext4FileSystem onDisk = Ext4FileSystem.open(device, options.withReplayJournal(false));
        Superblock sb = onDisk.superblock();
        checkFeatures(sb); // before a replay: a refusal changes nothing
        if (sb.hasIncompat(Features.INCOMPAT_RECOVER) && sb.hasCompat(Features.COMPAT_HAS_JOURNAL)) {
            if (!replayInPlace) {
                throw new UnsupportedFeatureException("needs_recovery", "ext filesystem needs recovery: its journal"
                        + " holds changes not yet written in place (the guest crashed or is running); replay it"
                        + " first with --replay, as e2fsck would");
            }
            JournalReplayInPlace.replay(device, onDisk);
            onDisk = Ext4FileSystem.open(device, options.withReplayJournal(false));
            sb = onDisk.superblock();
            try {
                checkFeatures(sb);
                checkState(sb, true);
            } catch (IOException e) {
                throw new IOException("the journal was replayed onto the disk (as e2fsck replays it); then: "
                        + e.getMessage(), e);
            }
        } else {
            checkFeatures(sb);
            checkState(sb, replayInPlace);
        }
        Ext4Writer w = new Ext4Writer(device, options, sb);
        if (OrphanCleanup.present(sb)) {
            w.releaseOrphans();
        }
        return w;
    }

    /**
     * Refuses, by name, the features the writer cannot keep right (orphan_present is a state, not a feature:
     * {@link #checkState} refuses pending orphans).
     */
    private static void checkFeatures(Superblock sb) throws IOException {
        List<String> refused = new ArrayList<>();
        int ro = sb.featureRoCompat & ~RO_COMPAT_WRITABLE & ~Features.RO_COMPAT_ORPHAN_PRESENT;
        String[] roNames = {"sparse_super", "large_file", "btree_dir", "huge_file", "uninit_bg", "dir_nlink",
            "extra_isize", "has_snapshot", "quota", "bigalloc", "metadata_csum", "replica", "read-only", "project",
            "shared_blocks", "verity", "orphan_present"};
        for (int bit = 0; bit < 32; bit++) {
            if ((ro & (1 << bit)) != 0) {
                refused.add(bit < roNames.length ? roNames[bit] : "FEATURE_R" + bit);
            }
        }
        int in = sb.featureIncompat & ~INCOMPAT_WRITABLE & ~Features.INCOMPAT_RECOVER; // recovery: see open
        for (int bit = 0; bit < 32; bit++) {
            if ((in & (1 << bit)) != 0) {
                refused.add(Features.incompatName(bit));
            }
        }
        if (!refused.isEmpty()) {
            String what = String.join(", ", refused);
            throw new UnsupportedFeatureException(what, "ext filesystem uses " + what + ", which Platter cannot"
                    + " write safely (it reads it); the filesystem was not changed");
        }
    }

    /** Refuses a filesystem with errors, not cleanly unmounted, or (unless they are to be processed) with orphans. */
    private static void checkState(Superblock sb, boolean processOrphans) throws IOException {
        if ((sb.state & 0x2) != 0) {
            throw new IOException("ext filesystem is marked as having errors: run e2fsck on it before writing");
        }
        if ((sb.state & 0x1) == 0) {
            throw new IOException("ext filesystem was not cleanly unmounted (mounted in a running guest, or the"
                    + " guest crashed): run e2fsck on it before writing");
        }
        if (OrphanCleanup.present(sb) && !processOrphans) {
            throw new IOException("ext filesystem has orphan inodes pending (files deleted while open or being"
                    + " truncated, the guest crashed): --replay processes them as e2fsck does");
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Reads: through the reader, opened on the open transaction's view (again after every change)

    private Ext4FileSystem view() throws IOException {
        if (view == null) {
            view = Ext4FileSystem.openForWriter(new TxView(tx), options);
            tx.takeUnseen();
        } else {
            Set<Long> changedBlocks = tx.takeUnseen();
            if (!changedBlocks.isEmpty()) {
                view.forget(changedBlocks);
            }
        }
        return view;
    }

    /** After an operation: the reader's view forgets what changed when next used (see {@link #view()}). */
    private void changed() {
    }

    @Override
    public String type() {
        try {
            return view().type();
        } catch (IOException e) {
            return "ext4";
        }
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
        return Ext4FileSystem.ROOT_INODE;
    }

    @Override
    public FileStat stat(long inode) throws IOException {
        return view().stat(inode);
    }

    @Override
    public List<DirEntry> list(long dirInode) throws IOException {
        return view().list(dirInode);
    }

    @Override
    public DirEntry lookup(long dirInode, byte[] name) throws IOException {
        return view().lookup(dirInode, name);
    }

    @Override
    public byte[] readlink(long inode) throws IOException {
        return view().readlink(inode);
    }

    @Override
    public BlockDevice open(long inode) throws IOException {
        return view().open(inode);
    }

    @Override
    public Map<String, byte[]> xattrs(long inode) throws IOException {
        return view().xattrs(inode);
    }

    @Override
    public StatFs statfs() throws IOException {
        return view().statfs();
    }

    @Override
    public List<String> warnings() {
        try {
            return view().warnings();
        } catch (IOException e) {
            return List.of();
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Operations

    @Override
    public long mkdir(long parent, byte[] name, Attributes a) throws IOException {
        return create(parent, name, 0x4000 | (a.permissions() & 07777), a, (ino, raw) -> {
            long block = allocator.allocateBlocks(goal(ino), 1).get(0).start();
            byte[] first = tx.fresh(block, "ext directory block 0 of inode " + ino);
            dirs.initFirstBlock(first, ino, parent);
            Inode.putLinks(raw, 2);
            Inode.putSize(raw, sb.blockSize);
            long mapBlocks = maps.build(ino, raw, List.of(new FileMap.Run(0, block, 1, false)), usesExtents(), block);
            Inode.putBlocks512(raw, (1 + mapBlocks) * (sb.blockSize / 512));
            dirs.sealLeaf(ino, raw, first);
        });
    }

    @Override
    public long createFile(long parent, byte[] name, Attributes a, InputStream data, long size) throws IOException {
        return create(parent, name, 0x8000 | (a.permissions() & 07777), a, (ino, raw) -> {
            if (!writeInline(ino, raw, data, size)) {
                writeContent(ino, raw, data, size);
            }
        });
    }

    @Override
    public long symlink(long parent, byte[] name, byte[] target, Attributes a) throws IOException {
        if (target.length == 0 || target.length >= sb.blockSize) {
            throw new IOException("symbolic link target of " + target.length + " bytes (1 to "
                    + (sb.blockSize - 1) + ")");
        }
        return create(parent, name, 0xA000 | 0777, a, (ino, raw) -> {
            if (target.length < Inode.I_BLOCK_SIZE) {
                Inode.putFlags(raw, 0); // a fast symlink: the target lives in i_block, NUL-padded
                Arrays.fill(raw, Inode.I_BLOCK, Inode.I_BLOCK + Inode.I_BLOCK_SIZE, (byte) 0);
                System.arraycopy(target, 0, raw, Inode.I_BLOCK, target.length);
                Inode.putSize(raw, target.length);
            } else {
                writeContent(ino, raw, new java.io.ByteArrayInputStream(target), target.length);
            }
        });
    }

    @Override
    public long mknod(long parent, byte[] name, FileType type, long major, long minor, Attributes a)
            throws IOException {
        int typeBits = switch (type) {
            case FIFO -> 0x1000;
            case SOCKET -> 0xC000;
            case CHAR_DEVICE -> 0x2000;
            case BLOCK_DEVICE -> 0x6000;
            default -> throw new IllegalArgumentException("mknod of a " + type);
        };
        return create(parent, name, typeBits | (a.permissions() & 07777), a, (ino, raw) -> {
            Inode.putFlags(raw, 0);
            Arrays.fill(raw, Inode.I_BLOCK, Inode.I_BLOCK + Inode.I_BLOCK_SIZE, (byte) 0);
            if (type == FileType.CHAR_DEVICE || type == FileType.BLOCK_DEVICE) {
                Inode.putDevice(raw, major, minor);
            }
        });
    }

    /** What a new inode holds, filled into its record (links 1 unless the filler says otherwise). */
    private interface Filler {
        void fill(long ino, byte[] raw) throws IOException;
    }

    /**
     * One creation: a new inode (in the parent's group), filled, written; then, as the next step, its name in the
     * parent (and, for a directory, the parent's link to it).
     */
    private long create(long parent, byte[] name, int mode, Attributes a, Filler filler) throws IOException {
        begin();
        try {
            byte[] praw = directoryForChange(parent);
            checkAbsent(parent, praw, name);
            boolean directory = (mode & 0xF000) == 0x4000;
            long ino = allocator.allocateInode(parent, directory);
            byte[] raw = newInode(ino, mode, a);
            Inode.putLinks(raw, 1);
            filler.fill(ino, raw);
            inodes.write(ino, raw);
            tx.nextStep(); // linked only once the inode is complete
            praw = inodes.read(parent);
            dirs.add(parent, praw, name, ino, fileTypeCode(mode & 0xF000));
            if (directory) {
                addLink(parent, praw, true);
            }
            touchParent(praw);
            inodes.write(parent, praw);
            changed();
            return ino;
        } catch (IOException | RuntimeException e) {
            rollback();
            throw e;
        }
    }

    @Override
    public void link(long parent, byte[] name, long inode) throws IOException {
        begin();
        try {
            byte[] praw = directoryForChange(parent);
            checkAbsent(parent, praw, name);
            byte[] raw = liveInode(inode);
            int type = Le.u16(raw, 0) & 0xF000;
            if (type == 0x4000) {
                throw new IOException("ext inode " + inode + " is a directory: no hard links to directories");
            }
            int links = Le.u16(raw, 0x1A);
            if (links >= MAX_LINKS) {
                throw new IOException("ext inode " + inode + " has " + links + " links already (too many links)");
            }
            Inode.putLinks(raw, links + 1);
            Inode.putCtime(raw, Instant.now());
            inodes.write(inode, raw);
            tx.nextStep();
            praw = inodes.read(parent);
            dirs.add(parent, praw, name, inode, fileTypeCode(type));
            touchParent(praw);
            inodes.write(parent, praw);
            changed();
        } catch (IOException | RuntimeException e) {
            rollback();
            throw e;
        }
    }

    @Override
    public void unlink(long parent, byte[] name) throws IOException {
        begin();
        try {
            byte[] praw = directoryForChange(parent);
            DirectoryWriter.Slot slot = existing(parent, praw, name);
            byte[] raw = liveInode(slot.inode());
            if ((Le.u16(raw, 0) & 0xF000) == 0x4000) {
                throw new IOException("unlink: " + printable(name) + " is a directory");
            }
            dirs.remove(parent, praw, slot);
            touchParent(praw);
            inodes.write(parent, praw);
            dropLink(slot.inode(), raw);
            changed();
        } catch (IOException | RuntimeException e) {
            rollback();
            throw e;
        }
    }

    @Override
    public void rmdir(long parent, byte[] name) throws IOException {
        begin();
        try {
            byte[] praw = directoryForChange(parent);
            DirectoryWriter.Slot slot = existing(parent, praw, name);
            byte[] raw = liveInode(slot.inode());
            if ((Le.u16(raw, 0) & 0xF000) != 0x4000) {
                throw new NotDirectoryException(printable(name));
            }
            checkDirectoryWritable(slot.inode(), raw);
            if ((Le.i32(raw, 0x20) & Inode.FLAG_INLINE_DATA) != 0) {
                expandInlineDirectory(slot.inode(), raw);
            }
            if (!dirs.isEmpty(slot.inode(), raw)) {
                throw new DirectoryNotEmptyException(printable(name));
            }
            dirs.remove(parent, praw, slot);
            dropDirectoryLink(praw);
            touchParent(praw);
            inodes.write(parent, praw);
            release(slot.inode(), raw, true);
            changed();
        } catch (IOException | RuntimeException e) {
            rollback();
            throw e;
        }
    }

    @Override
    public void rename(long fromParent, byte[] fromName, long toParent, byte[] toName) throws IOException {
        begin();
        try {
            byte[] fraw = directoryForChange(fromParent);
            DirectoryWriter.Slot from = existing(fromParent, fraw, fromName);
            byte[] raw = liveInode(from.inode());
            boolean isDir = (Le.u16(raw, 0) & 0xF000) == 0x4000;
            byte[] traw = directoryForChange(toParent);
            DirectoryWriter.Slot to = dirs.find(toParent, traw, toName);
            if (to != null && to.inode() == from.inode()) {
                return; // rename(2): the same file under both names does nothing
            }
            if (isDir) {
                checkNotAncestor(from.inode(), toParent);
            }
            int code = fileTypeCode(Le.u16(raw, 0) & 0xF000);
            if (to != null) {
                byte[] old = liveInode(to.inode());
                boolean oldIsDir = (Le.u16(old, 0) & 0xF000) == 0x4000;
                if (oldIsDir != isDir) {
                    throw new IOException("rename: " + printable(toName) + (oldIsDir ? " is a directory"
                            : " is not a directory"));
                }
                if (oldIsDir && (Le.i32(old, 0x20) & Inode.FLAG_INLINE_DATA) != 0) {
                    expandInlineDirectory(to.inode(), old);
                }
                if (oldIsDir && !dirs.isEmpty(to.inode(), old)) {
                    throw new DirectoryNotEmptyException(printable(toName));
                }
                dirs.retarget(toParent, traw, to, from.inode(), code);
                if (oldIsDir) {
                    dropDirectoryLink(traw);
                    inodes.write(toParent, traw);
                    release(to.inode(), old, true);
                } else {
                    dropLink(to.inode(), old);
                }
            } else {
                traw = inodes.read(toParent);
                dirs.add(toParent, traw, toName, from.inode(), code);
                inodes.write(toParent, traw);
            }
            fraw = inodes.read(fromParent);
            DirectoryWriter.Slot again = existing(fromParent, fraw, fromName);
            dirs.remove(fromParent, fraw, again);
            inodes.write(fromParent, fraw);
            if (isDir && fromParent != toParent) {
                raw = inodes.read(from.inode());
                if ((Le.i32(raw, 0x20) & Inode.FLAG_INLINE_DATA) != 0) {
                    expandInlineDirectory(from.inode(), raw);
                }
                DirectoryWriter.Slot dotDot = existing(from.inode(), raw, new byte[] {'.', '.'});
                dirs.retarget(from.inode(), raw, dotDot, toParent, 2);
                fraw = inodes.read(fromParent);
                dropDirectoryLink(fraw);
                inodes.write(fromParent, fraw);
                traw = inodes.read(toParent);
                addLink(toParent, traw, true);
                inodes.write(toParent, traw);
            }
            Instant now = Instant.now();
            for (long d : new long[] {fromParent, toParent}) {
                byte[] draw = inodes.read(d);
                Inode.putMtime(draw, now);
                Inode.putCtime(draw, now);
                inodes.write(d, draw);
            }
            raw = inodes.read(from.inode());
            Inode.putCtime(raw, now);
            inodes.write(from.inode(), raw);
            changed();
        } catch (IOException | RuntimeException e) {
            rollback();
            throw e;
        }
    }

    @Override
    public void replaceContent(long inode, InputStream data, long size) throws IOException {
        begin();
        try {
            byte[] raw = regularForChange(inode);
            if ((Le.i32(raw, 0x20) & Inode.FLAG_INLINE_DATA) != 0) {
                takeInline(inode, raw);
            }
            FileMap old = FileMap.of(tx, sb, inode, raw);
            if (!writeInline(inode, raw, data, size)) {
                writeContent(inode, raw, data, size);
            }
            Instant now = Instant.now();
            Inode.putMtime(raw, now);
            Inode.putCtime(raw, now);
            inodes.write(inode, raw);
            releaseBlocks(old);
            changed();
        } catch (IOException | RuntimeException e) {
            rollback();
            throw e;
        }
    }

    @Override
    public void truncate(long inode, long size) throws IOException {
        begin();
        try {
            if (size < 0) {
                throw new IllegalArgumentException("negative size");
            }
            byte[] raw = regularForChange(inode);
            if ((Le.i32(raw, 0x20) & Inode.FLAG_INLINE_DATA) != 0) {
                byte[] content = Arrays.copyOf(takeInline(inode, raw), (int) Math.min(size, Integer.MAX_VALUE - 8));
                if (size > content.length) {
                    // Extended: the old bytes, then a hole.
                    writeContent(inode, raw, new java.io.ByteArrayInputStream(content), content.length);
                    Inode.putSize(raw, size);
                } else if (!writeInline(inode, raw, new java.io.ByteArrayInputStream(content), size)) {
                    writeContent(inode, raw, new java.io.ByteArrayInputStream(content), size);
                }
                Instant now = Instant.now();
                Inode.putMtime(raw, now);
                Inode.putCtime(raw, now);
                inodes.write(inode, raw);
                changed();
                return;
            }
            truncateBlocks(inode, raw, size);
            changed();
        } catch (IOException | RuntimeException e) {
            rollback();
            throw e;
        }
    }

    /**
     * Cuts a block-mapped file to {@code size} (or extends it with a hole): the blocks past the end are freed, a
     * partial last block is copied with its tail zeroed (never changed in place), and a new map is written.
     */
    private void truncateBlocks(long inode, byte[] raw, long size) throws IOException {
        FileMap old = FileMap.of(tx, sb, inode, raw);
        long keepBlocks = (size + sb.blockSize - 1) / sb.blockSize;
        List<FileMap.Run> kept = new ArrayList<>();
        for (FileMap.Run r : old.runs) {
            if (r.logical() >= keepBlocks) {
                continue;
            }
            long n = Math.min(r.length(), keepBlocks - r.logical());
            kept.add(new FileMap.Run(r.logical(), r.physical(), n, r.unwritten()));
        }
        int partial = (int) (size % sb.blockSize);
        long freshBlock = -1;
        if (partial != 0 && !kept.isEmpty()) {
            // The bytes past the new end in the last block become zeros; the block is copied, not changed in
            // place, so that a crash still finds the old contents under the old size.
            long last = keepBlocks - 1;
            FileMap.Run r = kept.get(kept.size() - 1);
            if (r.logicalEnd() == keepBlocks && !r.unwritten()) {
                byte[] b = new byte[sb.blockSize];
                tx.flushData();
                device.read((r.physical() + (last - r.logical())) * sb.blockSize, ByteBuffer.wrap(b));
                java.util.Arrays.fill(b, partial, sb.blockSize, (byte) 0);
                freshBlock = allocator.allocateBlocks(r.physical() + r.length(), 1).get(0).start();
                tx.writeData(freshBlock, b, 0, 1);
                kept.set(kept.size() - 1, new FileMap.Run(r.logical(), r.physical(), r.length() - 1, false));
                if (r.length() == 1) {
                    kept.remove(kept.size() - 1);
                }
                kept.add(new FileMap.Run(last, freshBlock, 1, false));
            }
        }
        long mapBlocks = maps.build(inode, raw, kept, (Le.i32(raw, 0x20) & Inode.FLAG_EXTENTS) != 0,
                goal(inode));
        long data = 0;
        for (FileMap.Run r : kept) {
            data += r.length();
        }
        Inode.putBlocks512(raw, (data + mapBlocks + xattrBlocks(raw)) * (sb.blockSize / 512));
        Inode.putSize(raw, size);
        Instant now = Instant.now();
        Inode.putMtime(raw, now);
        Inode.putCtime(raw, now);
        inodes.write(inode, raw);
        // Free what is no longer mapped: old map blocks, and data blocks not kept.
        FileMap keptMap = FileMap.of(tx, sb, inode, raw);
        java.util.Set<Long> keep = new java.util.HashSet<>();
        for (FileMap.Run r : keptMap.runs) {
            for (long k = 0; k < r.length(); k++) {
                keep.add(r.physical() + k);
            }
        }
        for (long b : old.mapBlocks) {
            tx.forget(b);
            allocator.freeBlocks(b, 1);
        }
        for (FileMap.Run r : old.runs) {
            for (long k = 0; k < r.length(); k++) {
                if (!keep.contains(r.physical() + k)) {
                    allocator.freeBlocks(r.physical() + k, 1);
                }
            }
        }
    }

    @Override
    public void chmod(long inode, int permissions) throws IOException {
        begin();
        try {
            byte[] raw = liveInode(inode);
            Inode.putMode(raw, (Le.u16(raw, 0) & 0xF000) | (permissions & 07777));
            Inode.putCtime(raw, Instant.now());
            inodes.write(inode, raw);
            changed();
        } catch (IOException | RuntimeException e) {
            rollback();
            throw e;
        }
    }

    @Override
    public void chown(long inode, long uid, long gid) throws IOException {
        begin();
        try {
            byte[] raw = liveInode(inode);
            long u = uid >= 0 ? uid : Le.u16(raw, 0x02) | (long) Le.u16(raw, 0x78) << 16;
            long g = gid >= 0 ? gid : Le.u16(raw, 0x18) | (long) Le.u16(raw, 0x7A) << 16;
            Inode.putOwner(raw, u, g);
            Inode.putCtime(raw, Instant.now());
            inodes.write(inode, raw);
            changed();
        } catch (IOException | RuntimeException e) {
            rollback();
            throw e;
        }
    }

    @Override
    public void setTimes(long inode, Instant atime, Instant mtime) throws IOException {
        begin();
        try {
            byte[] raw = liveInode(inode);
            if (atime != null) {
                Inode.putAtime(raw, atime);
            }
            if (mtime != null) {
                Inode.putMtime(raw, mtime);
            }
            Inode.putCtime(raw, Instant.now());
            inodes.write(inode, raw);
            changed();
        } catch (IOException | RuntimeException e) {
            rollback();
            throw e;
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Orphans

    /**
     * What e2fsck and the kernel's mount do with pending orphans, as one operation: each inode of the superblock's
     * chain ({@code s_last_orphan}, next in {@code i_dtime}) and of the orphan file is deleted when it has no links
     * left (removed while open) or truncated to its size (a truncation cut short); then the chain and the orphan file's
     * entries are cleared, orphan_present with them. The walk stops where the kernel's stops (an inode out of range or
     * not in use); bounded by {@link OrphanCleanup#MAX_ORPHANS}.
     */
    private void releaseOrphans() throws IOException {
        begin();
        try {
            java.util.Set<Long> seen = new java.util.HashSet<>();
            long ino = sb.lastOrphan;
            while (ino != 0 && seen.size() < OrphanCleanup.MAX_ORPHANS && seen.add(ino)) {
                if (ino < sb.firstIno || ino > sb.inodesCount || !allocator.inodeInUse(ino)) {
                    break;
                }
                byte[] raw = inodes.read(ino);
                long next = Le.u32(raw, Inode.DTIME);
                releaseOrphan(ino, raw);
                if (next > sb.inodesCount) {
                    break;
                }
                ino = next;
            }
            if (sb.hasCompat(Features.COMPAT_ORPHAN_FILE) && sb.orphanFileInum != 0) {
                for (long o : clearOrphanFile()) {
                    if (seen.size() < OrphanCleanup.MAX_ORPHANS && seen.add(o) && o >= sb.firstIno
                            && o <= sb.inodesCount && allocator.inodeInUse(o)) {
                        releaseOrphan(o, inodes.read(o));
                    }
                }
            }
            long sbBlock = sb.superblockBlock();
            int off = (int) (Superblock.OFFSET - sbBlock * sb.blockSize);
            byte[] s = tx.modify(sbBlock, Superblock.STRUCTURE);
            Le.put32(s, off + 0xE8, 0);
            Le.put32(s, off + 0x64, Le.i32(s, off + 0x64) & ~Features.RO_COMPAT_ORPHAN_PRESENT);
            commit();
        } catch (IOException | RuntimeException e) {
            rollback();
            throw e;
        }
    }

    private void releaseOrphan(long ino, byte[] raw) throws IOException {
        int type = Le.u16(raw, 0) & 0xF000;
        if (Le.u16(raw, 0x1A) == 0) {
            release(ino, raw, type == 0x4000);
            return;
        }
        Inode.putDtime(raw, 0);
        inodes.write(ino, raw);
        if (type == 0x8000 && (Le.i32(raw, 0x20) & Inode.FLAG_INLINE_DATA) == 0) {
            long size = Le.u32(raw, 0x04) | Le.u32(raw, 0x6C) << 32;
            truncateBlocks(ino, raw, size);
        }
    }

    /** Empties the orphan file's entries (each block resealed); returns the inodes they named. */
    private List<Long> clearOrphanFile() throws IOException {
        long ino = sb.orphanFileInum;
        byte[] raw = inodes.read(ino);
        FileMap map = FileMap.of(tx, sb, ino, raw);
        List<Long> out = new ArrayList<>();
        long generation = Le.u32(raw, 0x64);
        for (FileMap.Run r : map.runs) {
            for (long k = 0; k < r.length(); k++) {
                long phys = r.physical() + k;
                String structure = "ext orphan file block " + (r.logical() + k);
                byte[] b = tx.read(phys, structure);
                if (Le.i32(b, sb.blockSize - 8) != 0x0b10ca04) {
                    throw new CorruptImageException(structure, phys * sb.blockSize, "bad magic");
                }
                if (sb.hasMetadataCsum()
                        && checksums.orphanBlock(ino, generation, phys, b) != Le.i32(b, sb.blockSize - 4)) {
                    throw new CorruptImageException(structure, phys * sb.blockSize, "checksum mismatch");
                }
                boolean any = false;
                for (int j = 0; j < (sb.blockSize - 8) / 4; j++) {
                    long o = Le.u32(b, 4 * j);
                    if (o != 0) {
                        out.add(o);
                        any = true;
                    }
                }
                if (any) {
                    byte[] m = tx.modify(phys, structure);
                    Arrays.fill(m, 0, sb.blockSize - 8, (byte) 0);
                    if (sb.hasMetadataCsum()) {
                        Le.put32(m, sb.blockSize - 4, checksums.orphanBlock(ino, generation, phys, m));
                    }
                }
            }
        }
        return out;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Transactions

    /** Before each operation: a transaction that has grown large is committed first (between operations). */
    private void begin() throws IOException {
        if (closed) {
            throw new IOException("ext writer is closed");
        }
        if (failed != null) {
            throw new IOException("ext writer stopped after a failed commit: " + failed);
        }
        if (tx.dirtyCount() >= txLimit) {
            commit();
        }
        tx.beginOperation();
        allocator.beginOperation();
        tx.nextStep();
    }

    /**
     * An operation failed part-way: what it changed in the open transaction is undone, so that the next commit
     * writes only whole operations (the file data it wrote went to blocks nothing refers to).
     */
    private void rollback() {
        tx.rollbackOperation();
        allocator.rollbackOperation();
        view = null;
    }

    @Override
    public void commit() throws IOException {
        tx.flushData();
        if (tx.dirtyCount() == 0) {
            return;
        }
        long sbBlock = sb.superblockBlock();
        int sbOffset = (int) (Superblock.OFFSET - sbBlock * sb.blockSize);
        tx.nextStep();
        byte[] s = tx.modify(sbBlock, Superblock.STRUCTURE);
        allocator.putCounts(s, sbOffset);
        Le.put32(s, sbOffset + 0x30, (int) Instant.now().getEpochSecond()); // s_wtime
        checksums.sealSuperblock(s, sbOffset);
        try {
            tx.flushData();
            if (journal != null) {
                journal.commit(tx.dirty(), sbBlock, sbOffset, checksums);
            } else {
                tx.writeInStepOrder();
            }
        } catch (IOException | RuntimeException e) {
            failed = e.getMessage(); // the disk holds a crash state its recovery completes; write nothing more
            throw e;
        }
        tx.committed();
        allocator.committed();
        view = null; // the superblock (free counts) changed: the reader starts afresh
    }

    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        try {
            commit();
            device.flush();
        } finally {
            closed = true;
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Helpers shared with DirectoryWriter

    /** Adds one block at the end of directory {@code dir} (record {@code raw}, updated); returns it. */
    long appendDirectoryBlock(long dir, byte[] raw) throws IOException {
        FileMap map = FileMap.of(tx, sb, dir, raw);
        long logical = Le.u32(raw, 0x04) / sb.blockSize;
        long goal = map.runs.isEmpty() ? goal(dir)
                : map.runs.get(map.runs.size() - 1).physical() + map.runs.get(map.runs.size() - 1).length();
        long block = allocator.allocateBlocks(goal, 1).get(0).start();
        List<FileMap.Run> runs = new ArrayList<>(map.runs);
        if (!runs.isEmpty() && runs.get(runs.size() - 1).logicalEnd() == logical
                && runs.get(runs.size() - 1).physical() + runs.get(runs.size() - 1).length() == block
                && !runs.get(runs.size() - 1).unwritten()) {
            FileMap.Run last = runs.remove(runs.size() - 1);
            runs.add(new FileMap.Run(last.logical(), last.physical(), last.length() + 1, false));
        } else {
            runs.add(new FileMap.Run(logical, block, 1, false));
        }
        long mapBlocks = maps.build(dir, raw, runs, (Le.i32(raw, 0x20) & Inode.FLAG_EXTENTS) != 0, block);
        for (long b : map.mapBlocks) {
            tx.forget(b);
            allocator.freeBlocks(b, 1);
        }
        Inode.putSize(raw, (logical + 1) * sb.blockSize);
        Inode.putBlocks512(raw, (map.dataBlocks() + 1 + mapBlocks + xattrBlocks(raw)) * (sb.blockSize / 512));
        return block;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Internals

    private boolean usesExtents() {
        return sb.hasIncompat(Features.INCOMPAT_EXTENTS);
    }

    private long goal(long ino) {
        long g = (ino - 1) / sb.inodesPerGroup;
        return sb.groupFirstBlock(Math.min(g, sb.groupCount - 1));
    }

    private long xattrBlocks(byte[] raw) {
        long acl = Le.u32(raw, 0x68) | (sb.is64Bit() ? (long) Le.u16(raw, 0x76) << 32 : 0);
        return acl != 0 ? 1 : 0;
    }

    private byte[] newInode(long ino, int mode, Attributes a) throws IOException {
        byte[] raw = new byte[sb.inodeSize];
        byte[] old = inodes.read(ino);
        Inode.putMode(raw, mode);
        Inode.putOwner(raw, a.uid(), a.gid());
        if (sb.inodeSize > Inode.GOOD_OLD_SIZE) {
            int want = Le.u16(sb.raw, 0x15E);
            int extra = Math.min(sb.inodeSize - Inode.GOOD_OLD_SIZE, Math.max(32, want));
            Inode.putExtraIsize(raw, extra & ~3);
        }
        Instant now = Instant.now();
        Inode.putAtime(raw, a.atime() != null ? a.atime() : now);
        Inode.putMtime(raw, a.mtime() != null ? a.mtime() : now);
        Inode.putCtime(raw, now);
        Inode.putCrtime(raw, now);
        // A new generation, unlike the one the inode had before: NFS handles and checksum seeds change.
        long generation = random.nextInt() & 0xFFFFFFFFL;
        if (generation == Le.u32(old, 0x64)) {
            generation++;
        }
        Inode.putGeneration(raw, generation);
        if (usesExtents()) {
            Inode.putFlags(raw, Inode.FLAG_EXTENTS);
            Le.put16(raw, Inode.I_BLOCK, ExtentHeader.MAGIC);
            Le.put16(raw, Inode.I_BLOCK + 4, 4);
        }
        return raw;
    }

    /**
     * Writes {@code size} bytes from {@code data} as the content of inode record {@code raw}: blocks of zeros stay
     * holes, the rest goes to newly allocated blocks (written at once, outside the transaction), then the map.
     */
    private void writeContent(long ino, byte[] raw, InputStream data, long size) throws IOException {
        if (size < 0 || size > (1L << 32) * sb.blockSize) {
            throw new IOException("file size " + size + " is beyond what ext can map");
        }
        List<FileMap.Run> runs = new ArrayList<>();
        byte[] buf = chunk;
        long logical = 0;
        long done = 0;
        long goal = goal(ino);
        long dataBlocks = 0;
        while (done < size) {
            int want = (int) Math.min(buf.length, size - done);
            int got = data.readNBytes(buf, 0, want);
            if (got < want) {
                throw new EOFException("the source ended after " + (done + got) + " of " + size + " bytes");
            }
            int blocks = (got + sb.blockSize - 1) / sb.blockSize;
            if (got % sb.blockSize != 0) {
                java.util.Arrays.fill(buf, got, blocks * sb.blockSize, (byte) 0);
            }
            int i = 0;
            while (i < blocks) {
                if (isZero(buf, i * sb.blockSize, sb.blockSize)) {
                    i++;
                    continue;
                }
                int j = i;
                while (j < blocks && !isZero(buf, j * sb.blockSize, sb.blockSize)) {
                    j++;
                }
                List<Allocator.Extent> got2 = allocator.allocateBlocks(goal, j - i);
                int at = i;
                for (Allocator.Extent e : got2) {
                    tx.writeData(e.start(), buf, at * sb.blockSize, (int) e.count());
                    addRun(runs, new FileMap.Run(logical + at, e.start(), e.count(), false));
                    at += (int) e.count();
                    goal = e.start() + e.count();
                }
                dataBlocks += j - i;
                i = j;
            }
            logical += blocks;
            done += got;
        }
        long mapBlocks = maps.build(ino, raw, runs, usesExtents(), goal);
        Inode.putSize(raw, size);
        Inode.putBlocks512(raw, (dataBlocks + mapBlocks + xattrBlocks(raw)) * (sb.blockSize / 512));
    }

    private static void addRun(List<FileMap.Run> runs, FileMap.Run r) {
        if (!runs.isEmpty()) {
            FileMap.Run last = runs.get(runs.size() - 1);
            if (last.logicalEnd() == r.logical() && last.physical() + last.length() == r.physical()) {
                runs.set(runs.size() - 1, new FileMap.Run(last.logical(), last.physical(),
                        last.length() + r.length(), false));
                return;
            }
        }
        runs.add(r);
    }

    private static boolean isZero(byte[] b, int off, int len) {
        for (int i = off; i < off + len; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return true;
    }

    private byte[] liveInode(long ino) throws IOException {
        byte[] raw = inodes.read(ino);
        if (Le.u16(raw, 0x1A) == 0 || Le.u16(raw, 0) == 0) {
            throw new CorruptImageException("ext inode " + ino, -1, "the inode is not in use");
        }
        return raw;
    }

    private byte[] directoryForChange(long dir) throws IOException {
        byte[] raw = liveInode(dir);
        if ((Le.u16(raw, 0) & 0xF000) != 0x4000) {
            throw new NotDirectoryException("ext inode " + dir);
        }
        checkDirectoryWritable(dir, raw);
        if ((Le.i32(raw, 0x20) & Inode.FLAG_INLINE_DATA) != 0) {
            expandInlineDirectory(dir, raw);
        }
        return raw;
    }

    /**
     * Moves an inline directory (inline_data: parent in i_block's first word, entries in the rest of i_block and in
     * system.data) into a block of its own, as the kernel does when one outgrows the inode: ".", "..", the entries.
     */
    private void expandInlineDirectory(long dir, byte[] raw) throws IOException {
        List<byte[]> names = new ArrayList<>();
        List<long[]> targets = new ArrayList<>();
        byte[] area = inlineArea(dir, raw);
        long parent = Le.u32(area, 0);
        int off = 4;
        while (off + 8 <= area.length) {
            int rec = DirEntryRecord.recLen(area, off + 4, sb.blockSize);
            long ino = Le.u32(area, off);
            int nameLen = sb.hasIncompat(Features.INCOMPAT_FILETYPE) ? Le.u8(area, off + 6) : Le.u16(area, off + 6);
            if (rec < 8 || off + rec > area.length || (ino != 0 && 8 + nameLen > rec)) {
                if (off == Inode.I_BLOCK_SIZE) {
                    break; // an empty system.data region
                }
                throw new CorruptImageException("ext inline directory inode " + dir, -1, "entry at " + off);
            }
            if (ino != 0) {
                names.add(Arrays.copyOfRange(area, off + 8, off + 8 + nameLen));
                targets.add(new long[] {ino, Le.u8(area, off + 7)});
            }
            off += rec;
            if (off == Inode.I_BLOCK_SIZE && area.length == Inode.I_BLOCK_SIZE) {
                break;
            }
        }
        long block = allocator.allocateBlocks(goal(dir), 1).get(0).start();
        byte[] b = tx.fresh(block, "ext directory block 0 of inode " + dir);
        InodeBodyXattrs.removeSystemData(raw, dir);
        Inode.putFlags(raw, Le.i32(raw, 0x20) & ~Inode.FLAG_INLINE_DATA);
        dirs.initFirstBlock(b, dir, parent);
        long mapBlocks = maps.build(dir, raw, List.of(new FileMap.Run(0, block, 1, false)), usesExtents(), block);
        Inode.putSize(raw, sb.blockSize);
        Inode.putBlocks512(raw, (1 + mapBlocks + xattrBlocks(raw)) * (sb.blockSize / 512));
        dirs.sealLeaf(dir, raw, b);
        inodes.write(dir, raw);
        for (int i = 0; i < names.size(); i++) {
            dirs.add(dir, raw, names.get(i), targets.get(i)[0], (int) targets.get(i)[1]);
        }
        inodes.write(dir, raw);
    }

    /** i_block followed by the system.data value: the whole inline area of an inline_data inode. */
    private byte[] inlineArea(long ino, byte[] raw) throws IOException {
        byte[] tail = InodeBodyXattrs.systemData(raw, ino);
        byte[] area = new byte[Inode.I_BLOCK_SIZE + tail.length];
        System.arraycopy(raw, Inode.I_BLOCK, area, 0, Inode.I_BLOCK_SIZE);
        System.arraycopy(tail, 0, area, Inode.I_BLOCK_SIZE, tail.length);
        return area;
    }

    /**
     * Stores a small file inline (inline_data: up to the 60 bytes of i_block, with an empty system.data), as
     * e2fsprogs and the kernel store them; false when the filesystem or the inode has no room for it.
     */
    private boolean writeInline(long ino, byte[] raw, InputStream data, long size) throws IOException {
        if (!sb.hasIncompat(Features.INCOMPAT_INLINE_DATA) || size == 0 || size > Inode.I_BLOCK_SIZE
                || sb.inodeSize <= Inode.GOOD_OLD_SIZE) {
            return false;
        }
        byte[] probe = raw.clone();
        if (!InodeBodyXattrs.addEmptySystemData(probe, ino)) {
            return false;
        }
        byte[] content = data.readNBytes((int) size);
        if (content.length < size) {
            throw new EOFException("the source ended after " + content.length + " of " + size + " bytes");
        }
        System.arraycopy(probe, 0, raw, 0, raw.length);
        java.util.Arrays.fill(raw, Inode.I_BLOCK, Inode.I_BLOCK + Inode.I_BLOCK_SIZE, (byte) 0);
        System.arraycopy(content, 0, raw, Inode.I_BLOCK, content.length);
        Inode.putFlags(raw, (Le.i32(raw, 0x20) & ~Inode.FLAG_EXTENTS) | Inode.FLAG_INLINE_DATA);
        Inode.putSize(raw, size);
        Inode.putBlocks512(raw, 0);
        return true;
    }

    /** An inline file's bytes, and the record turned into an empty, block-mapped one (the caller writes it). */
    private byte[] takeInline(long ino, byte[] raw) throws IOException {
        long size = Le.u32(raw, 0x04);
        byte[] area = inlineArea(ino, raw);
        byte[] content = Arrays.copyOf(area, (int) Math.min(size, area.length));
        InodeBodyXattrs.removeSystemData(raw, ino);
        Inode.putFlags(raw, Le.i32(raw, 0x20) & ~Inode.FLAG_INLINE_DATA);
        maps.build(ino, raw, List.of(), usesExtents(), goal(ino));
        Inode.putSize(raw, 0);
        Inode.putBlocks512(raw, xattrBlocks(raw) * (sb.blockSize / 512));
        return content;
    }

    private void checkDirectoryWritable(long dir, byte[] raw) throws IOException {
        int flags = Le.i32(raw, 0x20);
        if ((flags & Inode.FLAG_ENCRYPT) != 0) {
            throw new UnsupportedFeatureException("encrypt", "ext directory inode " + dir + " is encrypted:"
                    + " Platter cannot write into it");
        }
        if ((flags & Inode.FLAG_CASEFOLD) != 0) {
            throw new UnsupportedFeatureException("casefold", "ext directory inode " + dir + " is case-insensitive"
                    + " (casefold): Platter does not write into it");
        }
    }

    private byte[] regularForChange(long ino) throws IOException {
        byte[] raw = liveInode(ino);
        if ((Le.u16(raw, 0) & 0xF000) != 0x8000) {
            throw new IOException("ext inode " + ino + " is not a regular file");
        }
        int flags = Le.i32(raw, 0x20);
        if ((flags & (Inode.FLAG_VERITY | Inode.FLAG_ENCRYPT)) != 0) {
            throw new UnsupportedFeatureException("verity", "ext inode " + ino + " is a verity or encrypted file:"
                    + " Platter does not rewrite it");
        }
        return raw;
    }

    private void checkAbsent(long dir, byte[] raw, byte[] name) throws IOException {
        checkName(name);
        if (dirs.find(dir, raw, name) != null) {
            throw new FileAlreadyExistsException(printable(name));
        }
    }

    private DirectoryWriter.Slot existing(long dir, byte[] raw, byte[] name) throws IOException {
        DirectoryWriter.Slot s = dirs.find(dir, raw, name);
        if (s == null) {
            throw new NoSuchFileException(printable(name));
        }
        return s;
    }

    private static void checkName(byte[] name) {
        if (name.length == 0 || name.length > 255 || (name.length == 1 && name[0] == '.')
                || (name.length == 2 && name[0] == '.' && name[1] == '.')) {
            throw new IllegalArgumentException("invalid name '" + printable(name) + "'");
        }
        for (byte c : name) {
            if (c == '/' || c == 0) {
                throw new IllegalArgumentException("invalid name '" + printable(name) + "'");
            }
        }
    }

    private static String printable(byte[] name) {
        return new String(name, java.nio.charset.StandardCharsets.UTF_8);
    }

    private static int fileTypeCode(int typeBits) {
        return switch (typeBits) {
            case 0x8000 -> 1;
            case 0x4000 -> 2;
            case 0x2000 -> 3;
            case 0x6000 -> 4;
            case 0x1000 -> 5;
            case 0xC000 -> 6;
            case 0xA000 -> 7;
            default -> 0;
        };
    }

    private void touchParent(byte[] praw) {
        Instant now = Instant.now();
        Inode.putMtime(praw, now);
        Inode.putCtime(praw, now);
    }

    /** One more subdirectory: the parent's link count, or 1 ("many") past the limit with dir_nlink. */
    private void addLink(long dir, byte[] raw, boolean subdirectory) throws IOException {
        int links = Le.u16(raw, 0x1A);
        if (links == 1 && subdirectory && sb.hasRoCompat(RO_COMPAT_DIR_NLINK)) {
            return;
        }
        if (links + 1 >= MAX_LINKS) {
            if (!sb.hasRoCompat(RO_COMPAT_DIR_NLINK)) {
                throw new IOException("ext directory inode " + dir + " has too many subdirectories");
            }
            Inode.putLinks(raw, 1);
            return;
        }
        Inode.putLinks(raw, links + 1);
    }

    private void dropDirectoryLink(byte[] parentRaw) {
        int links = Le.u16(parentRaw, 0x1A);
        if (links > 2) {
            Inode.putLinks(parentRaw, links - 1);
        }
    }

    private void checkNotAncestor(long dir, long target) throws IOException {
        long at = target;
        for (int steps = 0; steps < 4096 && at != Ext4FileSystem.ROOT_INODE; steps++) {
            if (at == dir) {
                throw new IOException("rename: cannot move a directory into itself");
            }
            byte[] raw = inodes.read(at);
            if ((Le.i32(raw, 0x20) & Inode.FLAG_INLINE_DATA) != 0) {
                at = Le.u32(raw, Inode.I_BLOCK);
                continue;
            }
            DirectoryWriter.Slot up = dirs.find(at, raw, new byte[] {'.', '.'});
            if (up == null) {
                return;
            }
            at = up.inode();
        }
        if (at == dir) {
            throw new IOException("rename: cannot move a directory into itself");
        }
    }

    /** One name less for a non-directory: with the last one, the inode and its blocks go. */
    private void dropLink(long ino, byte[] raw) throws IOException {
        int links = Le.u16(raw, 0x1A);
        if (links > 1) {
            Inode.putLinks(raw, links - 1);
            Inode.putCtime(raw, Instant.now());
            inodes.write(ino, raw);
            return;
        }
        release(ino, raw, false);
    }

    /** Frees an inode that lost its last name: its blocks, its xattr block reference, the inode itself. */
    private void release(long ino, byte[] raw, boolean directory) throws IOException {
        tx.nextStep();
        FileMap map = FileMap.of(tx, sb, ino, raw);
        long acl = Le.u32(raw, 0x68) | (sb.is64Bit() ? (long) Le.u16(raw, 0x76) << 32 : 0);
        Inode.putLinks(raw, 0);
        Inode.putDtime(raw, Instant.now().getEpochSecond());
        Inode.putCtime(raw, Instant.now());
        inodes.write(ino, raw);
        tx.nextStep();
        releaseBlocks(map);
        if (directory) {
            for (FileMap.Run r : map.runs) {
                for (long k = 0; k < r.length(); k++) {
                    tx.forget(r.physical() + k);
                }
            }
        }
        if (acl != 0) {
            releaseXattrBlock(acl);
        }
        allocator.freeInode(ino, directory);
    }

    private void releaseBlocks(FileMap map) throws IOException {
        for (long b : map.mapBlocks) {
            tx.forget(b);
            allocator.freeBlocks(b, 1);
        }
        for (FileMap.Run r : map.runs) {
            allocator.freeBlocks(r.physical(), r.length());
        }
    }

    /** One reference less to a shared xattr block; freed with its last. */
    private void releaseXattrBlock(long block) throws IOException {
        if (block <= sb.firstDataBlock || block >= sb.blocksCount) {
            throw new CorruptImageException("ext xattr block " + block, -1, "outside the filesystem");
        }
        byte[] b = tx.modify(block, "ext xattr block " + block);
        if (Le.i32(b, 0) != 0xEA020000) {
            throw new CorruptImageException("ext xattr block " + block, block * sb.blockSize, "bad magic");
        }
        long refs = Le.u32(b, 4);
        if (refs > 1) {
            Le.put32(b, 4, (int) (refs - 1));
            checksums.sealXattrBlock(block, b);
            return;
        }
        tx.forget(block);
        allocator.freeBlocks(block, 1);
    }
}
