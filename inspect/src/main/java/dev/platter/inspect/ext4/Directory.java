package dev.platter.inspect.ext4;

import dev.platter.inspect.fs.DirEntry;
import dev.platter.inspect.fs.FileType;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One directory: linear entries in every block (htree index blocks are disguised as empty entries, so a linear
 * walk yields each name once), or inline in the inode. Listings walk every block; single-name lookups use the
 * htree index where there is one. Corrupt entries end their block with a warning; nothing loops: blocks are
 * visited once each, entries advance by at least 12 bytes, and a listing stops at {@link #MAX_ENTRIES}.
 */
final class Directory {
    /** A listing stops here (with a warning): beyond any real directory, well within memory. */
    static final int MAX_ENTRIES = 1 << 22;
    /** Duplicate-block detection remembers at most this many blocks (a 4 GiB directory of 4 KiB blocks). */
    private static final int MAX_TRACKED_BLOCKS = 1 << 20;
    private static final byte[] DOT = {'.'};
    private static final byte[] DOT_DOT = {'.', '.'};

    /** Receives entries; returns false to stop the walk. */
    interface Visitor {
        boolean visit(long inode, byte[] block, int nameOffset, int nameLen, int fileType) throws IOException;
    }

    private final Ext4FileSystem fs;
    private final Inode dir;
    private final Superblock sb;

    Directory(Ext4FileSystem fs, Inode dir) {
        this.fs = fs;
        this.dir = dir;
        this.sb = fs.superblock();
    }

    Inode inode() {
        return dir;
    }

    List<DirEntry> list() throws IOException {
        List<DirEntry> out = new ArrayList<>();
        walk((ino, b, off, len, type) -> {
            if (isDotOrDotDot(b, off, len)) {
                return true;
            }
            if (out.size() >= MAX_ENTRIES) {
                fs.warn("ext directory inode " + dir.number + ": listing stopped after " + MAX_ENTRIES + " entries");
                return false;
            }
            byte[] name = Arrays.copyOfRange(b, off, off + len);
            checkName(name);
            out.add(new DirEntry(name, ino, fileType(type)));
            return true;
        });
        return out;
    }

    DirEntry lookup(byte[] name) throws IOException {
        if (Arrays.equals(name, DOT)) {
            return new DirEntry(DOT.clone(), dir.number, FileType.DIRECTORY);
        }
        if (dir.hasFlag(Inode.FLAG_INLINE_DATA) && Arrays.equals(name, DOT_DOT)) {
            return new DirEntry(DOT_DOT.clone(), Le.u32(dir.raw, Inode.I_BLOCK), FileType.DIRECTORY);
        }
        if (isIndexed() && name.length > 0 && !Arrays.equals(name, DOT_DOT)) {
            HtreeLookup.Result r = new HtreeLookup(fs, this).find(name);
            if (r != null) {
                return r.entry();
            }
        }
        DirEntry[] found = new DirEntry[1];
        walk((ino, b, off, len, type) -> {
            if (len == name.length && Arrays.equals(b, off, off + len, name, 0, len)) {
                found[0] = new DirEntry(name.clone(), ino, fileType(type));
                return false;
            }
            return true;
        });
        return found[0];
    }

    /** True when single-name lookups may use the htree index. */
    boolean isIndexed() throws IOException {
        return dir.hasFlag(Inode.FLAG_INDEX) && sb.hasCompat(Features.COMPAT_DIR_INDEX)
                && !dir.hasFlag(Inode.FLAG_INLINE_DATA) && !dir.hasFlag(Inode.FLAG_CASEFOLD)
                && !dir.hasFlag(Inode.FLAG_ENCRYPT) && blockCount() > 1;
    }

    long blockCount() throws IOException {
        long size = fs.size(dir);
        return Math.min((size + sb.blockSize - 1) / sb.blockSize, sb.blocksCount);
    }

    /** Walks every entry in on-disk order. */
    void walk(Visitor v) throws IOException {
        if (dir.hasFlag(Inode.FLAG_INLINE_DATA)) {
            byte[] head = dir.raw;
            if (!scanRegion(head, Inode.I_BLOCK + 4, Inode.I_BLOCK + Inode.I_BLOCK_SIZE, "inline data", v)) {
                return;
            }
            byte[] tail = InlineData.systemData(fs, dir);
            if (tail.length > 0) {
                scanRegion(tail, 0, tail.length, "inline data (system.data)", v);
            }
            return;
        }
        long blocks = blockCount();
        BlockMapper mapper = fs.mapper(dir);
        Set<Long> seen = new HashSet<>();
        for (long lb = 0; lb < blocks; ) {
            BlockRun run = mapper.map(lb);
            if (run.kind() != BlockRun.Kind.DATA) {
                fs.warn("ext directory inode " + dir.number + ": block " + lb + " is a hole");
                lb += run.count();
                continue;
            }
            long n = Math.min(run.count(), blocks - lb);
            for (long k = 0; k < n; k++) {
                long physical = run.physical() + k;
                if (seen.size() < MAX_TRACKED_BLOCKS ? !seen.add(physical) : seen.contains(physical)) {
                    fs.warn("ext directory inode " + dir.number + ": block " + physical + " appears twice; skipped");
                    continue;
                }
                byte[] b = block(lb + k, physical);
                if (!scanRegion(b, 0, b.length, "block " + (lb + k), v)) {
                    return;
                }
            }
            lb += n;
        }
    }

    /** Directory block {@code logical} (at {@code physical}), its checksum verified as leaf or index block. */
    byte[] block(long logical, long physical) throws IOException {
        String structure = "ext directory block " + logical + " of inode " + dir.number;
        byte[] b = fs.metadataBlock(physical, structure);
        if (!fs.checksums().enabled()) {
            return b;
        }
        long offset = physical * sb.blockSize;
        if (dir.hasFlag(Inode.FLAG_INDEX) && logical == 0) {
            DxRoot root = DxRoot.parse(b, sb.blockSize, new String[1]);
            if (root != null) {
                fs.checksums().dxNode(dir, b, root.countOffset(), root.limit(), root.count(), logical, offset);
                return b;
            }
        } else if (dir.hasFlag(Inode.FLAG_INDEX) && DxNode.looksLikeNode(b, sb.blockSize)) {
            DxNode node = DxNode.parse(b);
            fs.checksums().dxNode(dir, b, DxNode.COUNT_OFFSET, node.limit(), node.count(), logical, offset);
            return b;
        }
        fs.checksums().dirLeaf(dir, b, logical, offset);
        return b;
    }

    /** Visits the entries of one region; returns false when the visitor stopped the walk. */
    boolean scanRegion(byte[] b, int start, int end, String where, Visitor v) throws IOException {
        boolean fileType = sb.hasIncompat(Features.INCOMPAT_FILETYPE);
        String[] why = new String[1];
        int off = start;
        while (off < end) {
            DirEntryRecord e = DirEntryRecord.parse(b, off, end, sb.blockSize, fileType, sb.inodesCount, why);
            if (e == null) {
                fs.warn("ext directory inode " + dir.number + ", " + where + ": bad entry at byte " + (off - start)
                        + " (" + why[0] + "); rest of the block skipped");
                return true;
            }
            if (e.inode() != 0 && e.nameLen() > 0) {
                if (!v.visit(e.inode(), b, e.nameOffset(), e.nameLen(), e.fileType())) {
                    return false;
                }
            }
            off += e.recLen();
        }
        return true;
    }

    private void checkName(byte[] name) {
        for (byte c : name) {
            if (c == '/' || c == 0) {
                fs.warn("ext directory inode " + dir.number + ": a name contains '/' or NUL");
                return;
            }
        }
    }

    static boolean isDotOrDotDot(byte[] b, int off, int len) {
        return len == 1 && b[off] == '.' || len == 2 && b[off] == '.' && b[off + 1] == '.';
    }

    /** The type recorded in an entry; null without the filetype feature (t &lt; 0). */
    static FileType fileType(int t) {
        if (t < 0) {
            return null;
        }
        return switch (t) {
            case 1 -> FileType.REGULAR;
            case 2 -> FileType.DIRECTORY;
            case 3 -> FileType.CHAR_DEVICE;
            case 4 -> FileType.BLOCK_DEVICE;
            case 5 -> FileType.FIFO;
            case 6 -> FileType.SOCKET;
            case 7 -> FileType.SYMLINK;
            default -> FileType.UNKNOWN;
        };
    }
}
