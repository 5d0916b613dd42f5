package dev.platter.inspect.xfs;

import dev.platter.core.CorruptImageException;
import dev.platter.inspect.fs.DirEntry;
import dev.platter.inspect.fs.FileType;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads one directory in any of its shapes: shortform (in the inode), block (one directory block holding entries
 * and their hash index), leaf (data blocks plus one hash-index block at 32 GiB), node (data blocks plus a hash
 * btree), the latter with its extent map in the inode or in a bmap btree.
 *
 * <p>Listing reads every data block below 32 GiB in file order and ignores the index blocks; looking up one name
 * hashes it and follows the index, reading only the blocks on that path.
 */
final class XfsDirectory {
    private static final int MAX_FORW_HOPS = 64;
    /** Blocks in a row that may fail to parse before a listing gives up on a corrupt block map. */
    private static final int MAX_BAD_BLOCKS = 8;

    private final XfsContext ctx;
    private final XfsInode dir;
    private final String what;
    private final boolean ftype;
    private final boolean asciiCi;

    XfsDirectory(XfsContext ctx, XfsInode dir) {
        this.ctx = ctx;
        this.dir = dir;
        this.what = dir.what() + " (directory)";
        this.ftype = ctx.sb.hasFtype();
        this.asciiCi = ctx.sb.asciiCi();
    }

    static FileType fileType(int ftype) {
        return switch (ftype) {
            case 0 -> null;
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

    private DirEntry toEntry(DirDataEntry e) {
        return new DirEntry(e.name(), e.inumber(), ftype ? fileType(e.ftype()) : null);
    }

    // ---------------------------------------------------------------------------------------------- listing

    List<DirEntry> list() throws IOException {
        return distinctNames(entries());
    }

    /**
     * Drops an entry whose name an earlier entry has: a damaged directory (a name overwritten, or two file blocks
     * mapped to one disk block) would otherwise list a name twice, which no lookup or copy can honour.
     */
    private List<DirEntry> distinctNames(List<DirEntry> entries) {
        Set<ByteBuffer> names = new HashSet<>();
        List<DirEntry> out = new ArrayList<>(entries.size());
        for (DirEntry e : entries) {
            if (names.add(ByteBuffer.wrap(e.rawName()))) {
                out.add(e);
            } else {
                ctx.warnings.add(what + ": the name '" + e.name() + "' appears twice; the later entry is skipped");
            }
        }
        return out;
    }

    private List<DirEntry> entries() throws IOException {
        if (dir.core.format() == InodeCore.FMT_LOCAL) {
            List<DirEntry> out = new ArrayList<>();
            for (DirDataEntry e : shortform().entries()) {
                out.add(toEntry(e));
            }
            return out;
        }
        ExtentMap map = dir.extentMap(ctx, false);
        List<DirEntry> out = new ArrayList<>();
        int f = ctx.geo.dirBlockFsbs;
        // Data blocks end where the inode's size says (and never past the 32 GiB data space).
        long sizeFsbs = (dir.core.size() + ctx.geo.blockSize - 1) >> ctx.geo.blockLog;
        long limit = Math.min(ctx.geo.leafOffsetFsb, sizeFsbs);
        long next = 0;
        int badInARow = 0;
        while (next < limit) {
            BmbtRecord r = map.find(next);
            if (r == null || r.startOff() >= limit) {
                break;
            }
            long db = Math.max(r.startOff(), next) / f;
            long end = Math.min(r.endOff(), limit);
            for (; db * f < end; db++) {
                badInARow = listBlock(map, db * f, out) ? 0 : badInARow + 1;
                if (badInARow >= MAX_BAD_BLOCKS) {
                    ctx.warnings.add(what + ": " + MAX_BAD_BLOCKS + " blocks in a row are not directory data blocks;"
                            + " the block map looks corrupt, listing stopped (may be incomplete)");
                    return out;
                }
            }
            next = Math.max(db * f, next + 1);
        }
        return out;
    }

    /** Adds the entries of one data block; false when the block is not a readable data block. */
    private boolean listBlock(ExtentMap map, long dablk, List<DirEntry> out) throws IOException {
        String blockWhat = what + " block " + dablk;
        DirBlock block;
        DirDataHeader h;
        try {
            block = readBlock(map, dablk, false, blockWhat);
            if (block == null) {
                return true;
            }
            h = DirDataHeader.peek(block.bytes, ctx.v5);
            if (h == null) {
                ctx.warnings.add(blockWhat + ": not a directory data block (magic "
                        + Be.magicText(Be.u32(block.bytes, 0)) + "), skipped");
                return false;
            }
            DirDataHeader.parse(block.bytes, block.position, dir.ino, ctx, blockWhat);
        } catch (ChecksumMismatchException e) {
            throw e;
        } catch (CorruptImageException e) {
            ctx.warnings.add(e.getMessage() + " (directory listing may be incomplete)");
            return false;
        }
        byte[] b = block.bytes;
        try {
            int end = h.entriesEnd(b, block.position, blockWhat);
            for (int off = h.size(); off < end; ) {
                DirDataEntry e = DirDataEntry.parse(b, off, end, ftype, block.position, blockWhat);
                if (!e.unused() && !e.isDotOrDotDot()) {
                    out.add(toEntry(e));
                }
                off += e.size();
            }
        } catch (CorruptImageException e) {
            ctx.warnings.add(e.getMessage() + " (rest of the block skipped; directory listing may be incomplete)");
            return false;
        }
        return true;
    }

    private DirShortform shortform() throws CorruptImageException {
        return DirShortform.parse(dir.dataFork(), dir.core.size(), ftype, dir.forkPosition(false), what);
    }

    /** A directory block's bytes and the device offset of its first filesystem block. */
    private record DirBlock(byte[] bytes, long position) {
    }

    /**
     * Reads the directory block starting at fork block {@code dablk}, which may span several extents; null when
     * its first block is a hole.
     */
    private DirBlock readBlock(ExtentMap map, long dablk, boolean cached, String blockWhat) throws IOException {
        int f = ctx.geo.dirBlockFsbs;
        int bs = ctx.geo.blockSize;
        byte[] out = null;
        long first = -1;
        for (int i = 0; i < f; ) {
            long fb = dablk + i;
            BmbtRecord r = map.find(fb);
            if (r == null || !r.contains(fb) || r.unwritten()) {
                if (i == 0) {
                    return null;
                }
                throw new CorruptImageException(blockWhat, -1, "directory block is only partly mapped");
            }
            int n = (int) Math.min(f - i, r.endOff() - fb);
            long pos = ctx.geo.fsbToByte(r.startBlock(), r.blockCount(), blockWhat)
                    + ((fb - r.startOff()) << ctx.geo.blockLog);
            if (i == 0) {
                first = pos;
                if (n == f) {
                    int len = f * bs;
                    return new DirBlock(cached ? ctx.reader.readCached(pos, len, blockWhat)
                            : ctx.reader.read(pos, len, blockWhat), pos);
                }
                out = new byte[f * bs];
            }
            ctx.reader.readInto(pos, out, i * bs, n * bs, blockWhat);
            i += n;
        }
        return new DirBlock(out, first);
    }

    // ---------------------------------------------------------------------------------------------- lookup

    DirEntry lookup(byte[] name) throws IOException {
        if (name.length == 0 || name.length > 255) {
            return null;
        }
        if (dir.core.format() == InodeCore.FMT_LOCAL) {
            return lookupShortform(name);
        }
        ExtentMap map = dir.extentMap(ctx, false);
        BmbtRecord last = map.last();
        if (last == null) {
            throw new CorruptImageException(what, dir.position, "directory has no blocks");
        }
        long hash = DaHash.hash(name, asciiCi) & 0xFFFF_FFFFL;
        int f = ctx.geo.dirBlockFsbs;
        long leaf = ctx.geo.leafOffsetFsb;
        if (last.endOff() == f) {
            String blockWhat = what + " block 0";
            DirBlock block = readBlock(map, 0, true, blockWhat);
            if (block == null) {
                throw new CorruptImageException(blockWhat, -1, "missing");
            }
            DirDataHeader h = DirDataHeader.parse(block.bytes, block.position, dir.ino, ctx, blockWhat);
            if (!h.blockForm()) {
                throw new CorruptImageException(blockWhat, block.position, "a one-block directory without the "
                        + "block-form magic");
            }
            return search(map, h.blockLeaf(block.bytes, block.position, blockWhat), 0, hash, name).entry;
        }
        if (last.endOff() == leaf + f && last.startOff() <= leaf) {
            String blockWhat = what + " leaf block " + leaf;
            DirBlock block = readIndexBlock(map, leaf, blockWhat);
            DaBlockInfo info = DaBlockInfo.parse(block.bytes, block.position, dir.ino, ctx, blockWhat);
            expectMagic(info, DaBlockInfo.DIR_LEAF1_MAGIC, blockWhat, block.position);
            DirLeafBlock lb = DirLeafBlock.parse(block.bytes, info, ctx.v5, true, block.position, blockWhat);
            return search(map, lb.entries(), 0, hash, name).entry;
        }
        return lookupNode(map, hash, name);
    }

    private DirEntry lookupShortform(byte[] name) throws CorruptImageException {
        DirShortform sf = shortform();
        if (name.length == 1 && name[0] == '.') {
            return new DirEntry(name.clone(), dir.ino, ftype ? FileType.DIRECTORY : null);
        }
        if (name.length == 2 && name[0] == '.' && name[1] == '.') {
            return new DirEntry(name.clone(), sf.parent(), ftype ? FileType.DIRECTORY : null);
        }
        for (DirDataEntry e : sf.entries()) {
            if (DaHash.sameName(e.name(), name, asciiCi)) {
                return toEntry(e);
            }
        }
        return null;
    }

    private DirEntry lookupNode(ExtentMap map, long hash, byte[] name) throws IOException {
        long dablk = ctx.geo.leafOffsetFsb;
        int expectedLevel = -1;
        for (int depth = 0; depth <= DaNode.MAX_DEPTH; depth++) {
            String blockWhat = what + " index block " + dablk;
            DirBlock block = readIndexBlock(map, dablk, blockWhat);
            DaBlockInfo info = DaBlockInfo.parse(block.bytes, block.position, dir.ino, ctx, blockWhat);
            if (info.magic() == DaBlockInfo.magic(DaBlockInfo.NODE_MAGIC, ctx.v5)) {
                DaNode node = DaNode.parse(block.bytes, info, ctx.v5, block.position, blockWhat);
                if (expectedLevel >= 0 && node.level() != expectedLevel) {
                    throw new CorruptImageException(blockWhat, block.position, "node level " + node.level()
                            + ", expected " + expectedLevel + " below its parent");
                }
                expectedLevel = node.level() - 1;
                dablk = checkIndexBlock(node.childFor(hash), blockWhat, block.position);
                continue;
            }
            expectMagic(info, DaBlockInfo.DIR_LEAFN_MAGIC, blockWhat, block.position);
            if (expectedLevel > 0) {
                throw new CorruptImageException(blockWhat, block.position, "a leaf where a level-" + expectedLevel
                        + " node was expected");
            }
            for (int hop = 0; hop <= MAX_FORW_HOPS; hop++) {
                DirLeafBlock leaf = DirLeafBlock.parse(block.bytes, info, ctx.v5, false, block.position, blockWhat);
                Found found = search(map, leaf.entries(), 0, hash, name);
                if (found.entry != null || !found.runReachedEnd || info.forw() == 0) {
                    return found.entry;
                }
                dablk = checkIndexBlock(info.forw(), blockWhat, block.position);
                blockWhat = what + " index block " + dablk;
                block = readIndexBlock(map, dablk, blockWhat);
                info = DaBlockInfo.parse(block.bytes, block.position, dir.ino, ctx, blockWhat);
                expectMagic(info, DaBlockInfo.DIR_LEAFN_MAGIC, blockWhat, block.position);
            }
            throw new CorruptImageException(what, -1, "more than " + MAX_FORW_HOPS + " leaves share one hash value");
        }
        throw new CorruptImageException(what, -1, "hash index deeper than " + DaNode.MAX_DEPTH + " levels");
    }

    private long checkIndexBlock(long dablk, String parentWhat, long position) throws CorruptImageException {
        if (dablk < ctx.geo.leafOffsetFsb || dablk >= ctx.geo.freeOffsetFsb) {
            throw new CorruptImageException(parentWhat, position, "points at block " + dablk
                    + ", outside the directory's hash-index space");
        }
        return dablk;
    }

    private DirBlock readIndexBlock(ExtentMap map, long dablk, String blockWhat) throws IOException {
        DirBlock block = readBlock(map, dablk, true, blockWhat);
        if (block == null) {
            throw new CorruptImageException(blockWhat, -1, "the hash index points at a hole");
        }
        return block;
    }

    private void expectMagic(DaBlockInfo info, int v4Magic, String blockWhat, long position)
            throws CorruptImageException {
        int expected = DaBlockInfo.magic(v4Magic, ctx.v5);
        if (info.magic() != expected) {
            throw new CorruptImageException(blockWhat, position, "bad magic 0x" + Integer.toHexString(info.magic())
                    + ", expected 0x" + Integer.toHexString(expected));
        }
    }

    /** A lookup result: the entry, or null and whether the run of equal hashes reached the end of the entries. */
    private record Found(DirEntry entry, boolean runReachedEnd) {
    }

    private Found search(ExtentMap map, DirLeafEntries entries, int from, long hash, byte[] name) throws IOException {
        int i = Math.max(from, entries.lowerBound(hash));
        for (; i < entries.count() && entries.hashvals()[i] == hash; i++) {
            long address = entries.addresses()[i];
            if (address == 0) {
                continue;
            }
            DirDataEntry e = entryAt(map, address);
            if (DaHash.sameName(e.name(), name, asciiCi)) {
                return new Found(toEntry(e), false);
            }
        }
        return new Found(null, i == entries.count());
    }

    /** The data entry at a hash-index address (byte offset in the data space / 8). */
    private DirDataEntry entryAt(ExtentMap map, long address) throws IOException {
        long byteOffset = address * 8;
        long db = byteOffset / ctx.geo.dirBlockSize;
        int off = (int) (byteOffset % ctx.geo.dirBlockSize);
        long dablk = db * ctx.geo.dirBlockFsbs;
        String blockWhat = what + " block " + dablk;
        DirBlock block = readBlock(map, dablk, true, blockWhat);
        if (block == null) {
            throw new CorruptImageException(blockWhat, -1, "the hash index points into a hole (address 0x"
                    + Long.toHexString(address) + ")");
        }
        DirDataHeader h = DirDataHeader.parse(block.bytes, block.position, dir.ino, ctx, blockWhat);
        int end = h.entriesEnd(block.bytes, block.position, blockWhat);
        if (off < h.size()) {
            throw new CorruptImageException(blockWhat, block.position, "hash index address 0x"
                    + Long.toHexString(address) + " points into the block header");
        }
        DirDataEntry e = DirDataEntry.parse(block.bytes, off, end, ftype, block.position, blockWhat);
        if (e.unused()) {
            throw new CorruptImageException(blockWhat, block.position + off, "hash index points at free space");
        }
        return e;
    }
}
