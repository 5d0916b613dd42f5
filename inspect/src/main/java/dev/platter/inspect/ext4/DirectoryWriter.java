package dev.platter.inspect.ext4;

import dev.platter.core.CorruptImageException;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Directory entries added and removed through the writer's open transaction: in linear directories (first block
 * with room, else a new block), and in htree directories as the kernel does it (hash the name, descend the index to
 * its leaf, split a full leaf at the middle of its hash order, add index levels or split an index node when one is
 * full). A linear directory that outgrows its first block becomes an htree when the filesystem has dir_index, as
 * the kernel's make_indexed_dir does. Every block written is resealed (directory tail, htree tail).
 */
final class DirectoryWriter {
    /** Where an entry is: its directory block (logical and physical), offset, and the previous entry's offset. */
    record Slot(long logical, long physical, int offset, int previous, long inode, int fileType) {
    }

    private record Entry(byte[] name, long inode, int fileType, int hash) {
        int recLen() {
            return DirEntryRecord.minRecLen(name.length);
        }
    }

    private final Ext4Writer w;
    private final Superblock sb;
    private final TxBlocks tx;
    private final MetadataChecksums checksums;
    private final int tail;
    private final boolean fileType;

    DirectoryWriter(Ext4Writer w, Superblock sb, TxBlocks tx, MetadataChecksums checksums) {
        this.w = w;
        this.sb = sb;
        this.tx = tx;
        this.checksums = checksums;
        this.tail = sb.hasMetadataCsum() ? 12 : 0;
        this.fileType = sb.hasIncompat(Features.INCOMPAT_FILETYPE);
    }

    private String structure(long dir, long logical) {
        return "ext directory block " + logical + " of inode " + dir;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Lookup and scan

    /**
     * The entry named {@code name}, or null: through the index in an htree directory (the leaf its hash leads to, and
     * the leaves continuing a collision run), else by scanning every block.
     */
    Slot find(long dir, byte[] raw, byte[] name) throws IOException {
        boolean indexed = (Le.i32(raw, 0x20) & Inode.FLAG_INDEX) != 0 && sb.hasCompat(Features.COMPAT_DIR_INDEX);
        if (indexed && !(name.length <= 2 && name[0] == '.' && (name.length == 1 || name[1] == '.'))) {
            return htreeFind(dir, raw, name);
        }
        Slot[] found = new Slot[1];
        scan(dir, raw, (slot, b) -> {
            int len = nameLen(b, slot.offset());
            if (slot.inode() != 0 && len == name.length
                    && Arrays.equals(b, slot.offset() + 8, slot.offset() + 8 + len, name, 0, len)) {
                found[0] = slot;
                return false;
            }
            return true;
        });
        return found[0];
    }

    /** True when the directory holds nothing but "." and "..". */
    boolean isEmpty(long dir, byte[] raw) throws IOException {
        boolean[] empty = {true};
        scan(dir, raw, (slot, b) -> {
            if (slot.inode() == 0) {
                return true;
            }
            int len = nameLen(b, slot.offset());
            boolean dot = len == 1 && b[slot.offset() + 8] == '.';
            boolean dotDot = len == 2 && b[slot.offset() + 8] == '.' && b[slot.offset() + 9] == '.';
            if (!dot && !dotDot) {
                empty[0] = false;
                return false;
            }
            return true;
        });
        return empty[0];
    }

    private Slot htreeFind(long dir, byte[] raw, byte[] name) throws IOException {
        FileMap map = FileMap.of(tx, sb, dir, raw);
        long rootPhys = map.physical(0);
        byte[] b = tx.read(rootPhys, structure(dir, 0));
        String[] why = new String[1];
        DxRoot dx = DxRoot.parse(b, sb.blockSize, why);
        if (dx == null || !DirHash.isKnown(dx.hashVersion()) || dx.indirectLevels() >= maxLevels()) {
            throw new CorruptImageException(structure(dir, 0), rootPhys * sb.blockSize,
                    "htree root unusable: " + (dx == null ? why[0] : "hash version " + dx.hashVersion()));
        }
        int h = hash(hashVersion(b), name);
        // The index blocks on the way down, to find the next leaf of a collision run.
        List<byte[]> path = new ArrayList<>();
        List<int[]> at = new ArrayList<>(); // countOffset, chosen entry
        int countOffset = dx.countOffset();
        for (int level = 0; level <= dx.indirectLevels(); level++) {
            int count = checkedCount(dir, level == 0 ? 0 : -1, b, countOffset, level == 0);
            int chosen = 0;
            for (int i = 1; i < count; i++) {
                if (Integer.compareUnsigned(Le.i32(b, countOffset + i * 8), h) <= 0) {
                    chosen = i;
                } else {
                    break;
                }
            }
            path.add(b);
            at.add(new int[] {countOffset, chosen});
            if (level < dx.indirectLevels()) {
                long child = Le.u32(b, countOffset + chosen * 8 + 4) & 0x0FFFFFFF;
                b = tx.read(physicalOrFail(dir, map, child), structure(dir, child));
                countOffset = DxNode.COUNT_OFFSET;
            }
        }
        long blocks = Le.u32(raw, 0x04) / sb.blockSize;
        for (long step = 0; step <= blocks; step++) {
            int[] last = at.get(at.size() - 1);
            byte[] node = path.get(path.size() - 1);
            long leaf = Le.u32(node, last[0] + last[1] * 8 + 4) & 0x0FFFFFFF;
            Slot s = scanBlock(dir, leaf, physicalOrFail(dir, map, leaf), name);
            if (s != null) {
                return s;
            }
            // The next leaf continues the run when its index hash (bit 0 set) is ours.
            int level = at.size() - 1;
            while (level >= 0 && at.get(level)[1] + 1 >= Le.u16(path.get(level), at.get(level)[0] + 2)) {
                level--;
            }
            if (level < 0) {
                return null;
            }
            at.get(level)[1]++;
            int next = Le.i32(path.get(level), at.get(level)[0] + at.get(level)[1] * 8);
            if ((next & ~1) != h || (next & 1) == 0) {
                return null;
            }
            for (int l = level + 1; l < at.size(); l++) {
                long child = Le.u32(path.get(l - 1), at.get(l - 1)[0] + at.get(l - 1)[1] * 8 + 4) & 0x0FFFFFFF;
                byte[] index = tx.read(physicalOrFail(dir, map, child), structure(dir, child));
                checkedCount(dir, child, index, DxNode.COUNT_OFFSET, false);
                path.set(l, index);
                at.get(l)[1] = 0;
            }
        }
        return null;
    }

    /**
     * The entry count of an index block, checked before it bounds a search: the limit must be what the block size
     * gives (root or node, checksum tail counted), the count between 1 and the limit.
     */
    private int checkedCount(long dir, long logical, byte[] b, int countOffset, boolean root)
            throws CorruptImageException {
        int limit = Le.u16(b, countOffset);
        int count = Le.u16(b, countOffset + 2);
        int expected = root ? rootLimit() : nodeLimit();
        if (limit != expected || count == 0 || count > limit) {
            throw new CorruptImageException(structure(dir, logical), -1, "htree index limit " + limit + " (expected "
                    + expected + "), count " + count);
        }
        return count;
    }

    private long physicalOrFail(long dir, FileMap map, long logical) throws CorruptImageException {
        long p = map.physical(logical);
        if (p < 0) {
            throw new CorruptImageException(structure(dir, logical), -1, "htree block is a hole");
        }
        return p;
    }

    private Slot scanBlock(long dir, long logical, long phys, byte[] name) throws IOException {
        byte[] b = tx.read(phys, structure(dir, logical));
        int off = 0;
        int prev = -1;
        while (off + 12 <= sb.blockSize) {
            String[] why = new String[1];
            DirEntryRecord e = DirEntryRecord.parse(b, off, sb.blockSize, sb.blockSize, fileType, sb.inodesCount, why);
            if (e == null) {
                throw new CorruptImageException(structure(dir, logical), phys * sb.blockSize + off,
                        "entry at " + off + ": " + why[0]);
            }
            int len = nameLen(b, off);
            if (e.inode() != 0 && len == name.length
                    && Arrays.equals(b, off + 8, off + 8 + len, name, 0, len)) {
                return new Slot(logical, phys, off, prev, e.inode(), e.fileType());
            }
            prev = off;
            off += e.recLen();
        }
        return null;
    }

    private interface Visitor {
        boolean visit(Slot slot, byte[] block) throws IOException;
    }

    private void scan(long dir, byte[] raw, Visitor v) throws IOException {
        FileMap map = FileMap.of(tx, sb, dir, raw);
        long blocks = Le.u32(raw, 0x04) / sb.blockSize;
        for (FileMap.Run r : map.runs) {
            for (long k = 0; k < r.length(); k++) {
                long logical = r.logical() + k;
                if (logical >= blocks) {
                    return;
                }
                long phys = r.physical() + k;
                byte[] b = tx.read(phys, structure(dir, logical));
                int off = 0;
                int prev = -1;
                while (off + 12 <= sb.blockSize) {
                    String[] why = new String[1];
                    DirEntryRecord e = DirEntryRecord.parse(b, off, sb.blockSize, sb.blockSize, fileType,
                            sb.inodesCount, why);
                    if (e == null) {
                        throw new CorruptImageException(structure(dir, logical), phys * sb.blockSize + off,
                                "entry at " + off + ": " + why[0]);
                    }
                    if (!v.visit(new Slot(logical, phys, off, prev, e.inode(), e.fileType()), b)) {
                        return;
                    }
                    prev = off;
                    off += e.recLen();
                }
            }
        }
    }

    private int nameLen(byte[] b, int off) {
        return fileType ? Le.u8(b, off + 6) : Le.u16(b, off + 6);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Removal

    /** Removes the entry at {@code slot}: merged into the previous entry, or emptied when first in its block. */
    void remove(long dir, byte[] raw, Slot slot) throws IOException {
        byte[] b = tx.modify(slot.physical(), structure(dir, slot.logical()));
        if (slot.previous() >= 0) {
            int merged = DirEntryRecord.recLen(b, slot.previous() + 4, sb.blockSize)
                    + DirEntryRecord.recLen(b, slot.offset() + 4, sb.blockSize);
            putRecLen(b, slot.previous(), merged);
        } else {
            Le.put32(b, slot.offset(), 0);
        }
        sealLeaf(dir, raw, b);
    }

    /** Points the entry at {@code slot} at another inode (rename over a name, or ".." of a moved directory). */
    void retarget(long dir, byte[] raw, Slot slot, long inode, int type) throws IOException {
        byte[] b = tx.modify(slot.physical(), structure(dir, slot.logical()));
        Le.put32(b, slot.offset(), (int) inode);
        if (fileType) {
            b[slot.offset() + 7] = (byte) type;
        }
        sealLeaf(dir, raw, b);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Insertion

    /** Adds {@code name} -> {@code inode}; {@code raw} is the directory's record (updated when the directory grows). */
    void add(long dir, byte[] raw, byte[] name, long inode, int type) throws IOException {
        boolean indexed = (Le.i32(raw, 0x20) & Inode.FLAG_INDEX) != 0;
        if (indexed && sb.hasCompat(Features.COMPAT_DIR_INDEX)) {
            htreeAdd(dir, raw, name, inode, type, 0);
            return;
        }
        if (indexed) {
            throw new IOException("ext directory inode " + dir + " is indexed (htree) but the filesystem lacks"
                    + " dir_index");
        }
        FileMap map = FileMap.of(tx, sb, dir, raw);
        long blocks = Le.u32(raw, 0x04) / sb.blockSize;
        for (FileMap.Run r : map.runs) {
            for (long k = 0; k < r.length() && r.logical() + k < blocks; k++) {
                if (insertInto(dir, raw, r.logical() + k, r.physical() + k, name, inode, type)) {
                    return;
                }
            }
        }
        if (blocks == 1 && sb.hasCompat(Features.COMPAT_DIR_INDEX)) {
            makeIndexed(dir, raw, map.physical(0));
            htreeAdd(dir, raw, name, inode, type, 0);
            return;
        }
        long logical = blocks;
        long phys = w.appendDirectoryBlock(dir, raw);
        byte[] b = tx.fresh(phys, structure(dir, logical));
        initLeaf(b);
        writeEntry(b, 0, name, inode, type, sb.blockSize - tail);
        sealLeaf(dir, raw, b);
    }

    /** An empty leaf block: one unused entry spanning it, and the checksum tail. */
    void initLeaf(byte[] b) {
        Arrays.fill(b, (byte) 0);
        putRecLen(b, 0, sb.blockSize - tail);
        if (tail > 0) {
            int t = sb.blockSize - 12;
            Le.put16(b, t + 4, 12);
            b[t + 7] = (byte) 0xDE;
        }
    }

    /** The first block of a new directory: "." and "..", then the tail. */
    void initFirstBlock(byte[] b, long self, long parent) {
        initLeaf(b);
        writeEntry(b, 0, new byte[] {'.'}, self, 2, 12);
        writeEntry(b, 12, new byte[] {'.', '.'}, parent, 2, sb.blockSize - tail - 12);
    }

    void sealLeaf(long dir, byte[] raw, byte[] b) {
        if (tail > 0) {
            checksums.sealDirLeaf(dir, Le.u32(raw, 0x64), b);
        }
    }

    private boolean insertInto(long dir, byte[] raw, long logical, long phys, byte[] name, long inode, int type)
            throws IOException {
        int need = DirEntryRecord.minRecLen(name.length);
        byte[] b = tx.read(phys, structure(dir, logical));
        int limit = sb.blockSize - tail;
        int off = 0;
        while (off + 12 <= limit) {
            int rec = DirEntryRecord.recLen(b, off + 4, sb.blockSize);
            if (rec < 12 || off + rec > sb.blockSize) {
                throw new CorruptImageException(structure(dir, logical), phys * sb.blockSize + off,
                        "rec_len " + rec + " at " + off);
            }
            long ino = Le.u32(b, off);
            int used = ino == 0 ? 0 : DirEntryRecord.minRecLen(nameLen(b, off));
            if (rec - used >= need) {
                byte[] m = tx.modify(phys, structure(dir, logical));
                if (used == 0) {
                    writeEntry(m, off, name, inode, type, rec);
                } else {
                    putRecLen(m, off, used);
                    writeEntry(m, off + used, name, inode, type, rec - used);
                }
                sealLeaf(dir, raw, m);
                return true;
            }
            off += rec;
        }
        return false;
    }

    private void writeEntry(byte[] b, int off, byte[] name, long inode, int type, int recLen) {
        Le.put32(b, off, (int) inode);
        putRecLen(b, off, recLen);
        if (fileType) {
            b[off + 6] = (byte) name.length;
            b[off + 7] = (byte) type;
        } else {
            Le.put16(b, off + 6, name.length);
        }
        System.arraycopy(name, 0, b, off + 8, name.length);
    }

    private void putRecLen(byte[] b, int off, int len) {
        if (sb.blockSize >= 65536 && len == 65536) {
            Le.put16(b, off + 4, 65535);
        } else {
            Le.put16(b, off + 4, (len & 65532) | ((len >> 16) & 3));
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // htree

    private int hashVersion(byte[] root) {
        int v = Le.u8(root, 0x1C);
        if ((sb.flags & 0x2) != 0 && v <= DirHash.TEA) {
            v += 3;
        }
        return v;
    }

    private int hash(int version, byte[] name) {
        return DirHash.hash(version, name, sb.hashSeed);
    }

    private int rootLimit() {
        return (sb.blockSize - 0x20 - (tail > 0 ? 8 : 0)) / DxEntry.SIZE;
    }

    private int nodeLimit() {
        return (sb.blockSize - 8 - (tail > 0 ? 8 : 0)) / DxEntry.SIZE;
    }

    private int maxLevels() {
        return sb.hasIncompat(Features.INCOMPAT_LARGEDIR) ? 3 : 2;
    }

    /** One index block on the way down: where its count is, its entries, which entry was followed. */
    private static final class Frame {
        long logical;
        long physical;
        int countOffset;
        int at;
    }

    private void htreeAdd(long dir, byte[] raw, byte[] name, long inode, int type, int depth) throws IOException {
        if (depth > 4) {
            throw new IOException("ext directory inode " + dir + ": could not place a name after splitting");
        }
        FileMap map = FileMap.of(tx, sb, dir, raw);
        long rootPhys = map.physical(0);
        byte[] root = tx.read(rootPhys, structure(dir, 0));
        String[] why = new String[1];
        DxRoot dx = DxRoot.parse(root, sb.blockSize, why);
        if (dx == null || !DirHash.isKnown(dx.hashVersion()) || dx.indirectLevels() >= maxLevels()) {
            throw new CorruptImageException(structure(dir, 0), rootPhys * sb.blockSize,
                    "htree root unusable for writing: " + (dx == null ? why[0] : "hash version "
                            + dx.hashVersion() + ", " + dx.indirectLevels() + " levels"));
        }
        int h = hash(hashVersion(root), name);
        List<Frame> frames = new ArrayList<>();
        Frame f = new Frame();
        f.logical = 0;
        f.physical = rootPhys;
        f.countOffset = dx.countOffset();
        frames.add(f);
        byte[] b = root;
        for (int level = 0; ; level++) {
            int count = checkedCount(dir, f.logical, b, f.countOffset, level == 0);
            int at = 0;
            for (int i = 1; i < count; i++) {
                if (Integer.compareUnsigned(Le.i32(b, f.countOffset + i * 8), h) <= 0) {
                    at = i;
                } else {
                    break;
                }
            }
            f.at = at;
            long child = Le.u32(b, f.countOffset + at * 8 + 4) & 0x0FFFFFFF;
            if (level == dx.indirectLevels()) {
                long leafPhys = map.physical(child);
                if (leafPhys < 0) {
                    throw new CorruptImageException(structure(dir, child), -1, "htree leaf is a hole");
                }
                if (insertInto(dir, raw, child, leafPhys, name, inode, type)) {
                    return;
                }
                splitLeaf(dir, raw, frames, child, leafPhys, hashVersion(root));
                htreeAdd(dir, raw, name, inode, type, depth + 1);
                return;
            }
            Frame next = new Frame();
            next.logical = child;
            next.physical = map.physical(child);
            if (next.physical < 0) {
                throw new CorruptImageException(structure(dir, child), -1, "htree node is a hole");
            }
            next.countOffset = DxNode.COUNT_OFFSET;
            b = tx.read(next.physical, structure(dir, child));
            frames.add(next);
            f = next;
        }
    }

    private List<Entry> entriesOf(byte[] b, int version) {
        List<Entry> out = new ArrayList<>();
        int off = 0;
        while (off + 12 <= sb.blockSize - tail) {
            int rec = DirEntryRecord.recLen(b, off + 4, sb.blockSize);
            long ino = Le.u32(b, off);
            if (ino != 0) {
                byte[] n = Arrays.copyOfRange(b, off + 8, off + 8 + nameLen(b, off));
                out.add(new Entry(n, ino, fileType ? Le.u8(b, off + 7) : 0, hash(version, n)));
            }
            if (rec < 12) {
                break;
            }
            off += rec;
        }
        return out;
    }

    /** Writes {@code entries} packed into leaf {@code b} (the last one spanning to the tail). */
    private void fillLeaf(byte[] b, List<Entry> entries) {
        initLeaf(b);
        int off = 0;
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            int rec = i == entries.size() - 1 ? sb.blockSize - tail - off : e.recLen();
            writeEntry(b, off, e.name(), e.inode(), e.fileType(), rec);
            off += e.recLen();
        }
    }

    private void splitLeaf(long dir, byte[] raw, List<Frame> frames, long leafLogical, long leafPhys, int version)
            throws IOException {
        byte[] leaf = tx.modify(leafPhys, structure(dir, leafLogical));
        List<Entry> entries = entriesOf(leaf, version);
        if (entries.size() < 2) {
            throw new CorruptImageException(structure(dir, leafLogical), leafPhys * sb.blockSize,
                    "htree leaf with " + entries.size() + " entries has no room for a new name");
        }
        entries.sort(Comparator.comparingInt((Entry e) -> e.hash() ^ Integer.MIN_VALUE));
        int total = 0;
        for (Entry e : entries) {
            total += e.recLen();
        }
        int split = 0;
        int size = 0;
        while (split < entries.size() - 1 && size + entries.get(split).recLen() <= total / 2) {
            size += entries.get(split).recLen();
            split++;
        }
        split = Math.max(1, split);
        int hash2 = entries.get(split).hash();
        boolean continued = hash2 == entries.get(split - 1).hash();
        // Make room in the index first: a split index moves the frame this leaf hangs from.
        Frame parent = ensureRoom(dir, raw, frames, frames.size() - 1);
        long newLogical = Le.u32(raw, 0x04) / sb.blockSize;
        long newPhys = w.appendDirectoryBlock(dir, raw);
        byte[] fresh = tx.fresh(newPhys, structure(dir, newLogical));
        fillLeaf(fresh, new ArrayList<>(entries.subList(split, entries.size())));
        sealLeaf(dir, raw, fresh);
        leaf = tx.modify(leafPhys, structure(dir, leafLogical));
        fillLeaf(leaf, new ArrayList<>(entries.subList(0, split)));
        sealLeaf(dir, raw, leaf);
        insertIndex(dir, raw, parent, hash2 | (continued ? 1 : 0), newLogical);
    }

    /** Inserts (hash, block) after the followed entry of index frame {@code f}, which has room. */
    private void insertIndex(long dir, byte[] raw, Frame f, int hash, long block) throws IOException {
        byte[] b = tx.modify(f.physical, structure(dir, f.logical));
        int limit = Le.u16(b, f.countOffset);
        int count = Le.u16(b, f.countOffset + 2);
        if (count >= limit) {
            throw new IllegalStateException("index node without room");
        }
        int pos = f.countOffset + (f.at + 1) * 8;
        System.arraycopy(b, pos, b, pos + 8, (count - f.at - 1) * 8);
        Le.put32(b, pos, hash);
        Le.put32(b, pos + 4, (int) block);
        Le.put16(b, f.countOffset + 2, count + 1);
        sealIndex(dir, raw, b, f.countOffset);
    }

    private void sealIndex(long dir, byte[] raw, byte[] b, int countOffset) {
        if (tail > 0) {
            checksums.sealDxNode(dir, Le.u32(raw, 0x64), b, countOffset, Le.u16(b, countOffset),
                    Le.u16(b, countOffset + 2));
        }
    }

    /**
     * Makes sure index frame {@code level} can take one more entry: a full root gets a new level under it, a full
     * node is split in two under its parent (which is made roomy first). Returns the frame (possibly a new node)
     * that now holds the followed entry.
     */
    private Frame ensureRoom(long dir, byte[] raw, List<Frame> frames, int level) throws IOException {
        Frame f = frames.get(level);
        byte[] b = tx.read(f.physical, structure(dir, f.logical));
        int limit = Le.u16(b, f.countOffset);
        int count = Le.u16(b, f.countOffset + 2);
        if (count < limit) {
            return f;
        }
        if (level == 0) {
            byte[] root = tx.modify(f.physical, structure(dir, 0));
            int levels = Le.u8(root, 0x1E);
            if (levels + 1 >= maxLevels()) {
                throw new IOException("ext directory inode " + dir + " is full: its htree has " + (levels + 1)
                        + " levels" + (sb.hasIncompat(Features.INCOMPAT_LARGEDIR) ? "" : " (without large_dir)"));
            }
            long nodeLogical = Le.u32(raw, 0x04) / sb.blockSize;
            long nodePhys = w.appendDirectoryBlock(dir, raw);
            byte[] node = tx.fresh(nodePhys, structure(dir, nodeLogical));
            initNode(node);
            System.arraycopy(root, f.countOffset + 4, node, DxNode.COUNT_OFFSET + 4, count * 8 - 4);
            Le.put32(node, DxNode.COUNT_OFFSET + 4, Le.i32(root, f.countOffset + 4));
            Le.put16(node, DxNode.COUNT_OFFSET, nodeLimit());
            Le.put16(node, DxNode.COUNT_OFFSET + 2, count);
            sealIndex(dir, raw, node, DxNode.COUNT_OFFSET);
            root = tx.modify(f.physical, structure(dir, 0));
            Le.put16(root, f.countOffset + 2, 1);
            Le.put32(root, f.countOffset + 4, (int) nodeLogical);
            root[0x1E] = (byte) (levels + 1);
            sealIndex(dir, raw, root, f.countOffset);
            Frame nf = new Frame();
            nf.logical = nodeLogical;
            nf.physical = nodePhys;
            nf.countOffset = DxNode.COUNT_OFFSET;
            nf.at = f.at;
            f.at = 0;
            frames.add(1, nf);
            return nf;
        }
        Frame parent = ensureRoom(dir, raw, frames, level - 1);
        int half = count / 2;
        long nodeLogical = Le.u32(raw, 0x04) / sb.blockSize;
        long nodePhys = w.appendDirectoryBlock(dir, raw);
        byte[] node = tx.fresh(nodePhys, structure(dir, nodeLogical));
        initNode(node);
        b = tx.modify(f.physical, structure(dir, f.logical));
        int moved = count - half;
        System.arraycopy(b, f.countOffset + half * 8, node, DxNode.COUNT_OFFSET, moved * 8);
        int splitHash = Le.i32(node, DxNode.COUNT_OFFSET);
        Le.put16(node, DxNode.COUNT_OFFSET, nodeLimit());
        Le.put16(node, DxNode.COUNT_OFFSET + 2, moved);
        Le.put16(b, f.countOffset + 2, half);
        sealIndex(dir, raw, node, DxNode.COUNT_OFFSET);
        sealIndex(dir, raw, b, f.countOffset);
        insertIndex(dir, raw, parent, splitHash, nodeLogical);
        if (f.at >= half) {
            Frame nf = new Frame();
            nf.logical = nodeLogical;
            nf.physical = nodePhys;
            nf.countOffset = DxNode.COUNT_OFFSET;
            nf.at = f.at - half;
            parent.at++;
            frames.set(frames.indexOf(f), nf);
            return nf;
        }
        return f;
    }

    private void initNode(byte[] node) {
        Arrays.fill(node, (byte) 0);
        putRecLen(node, 0, sb.blockSize);
    }

    /** Turns a one-block linear directory into an htree: its entries move to block 1, block 0 becomes the root. */
    private void makeIndexed(long dir, byte[] raw, long block0) throws IOException {
        int version = sb.defHashVersion;
        if (!DirHash.isKnown(version) || version > DirHash.TEA) {
            version = DirHash.HALF_MD4;
        }
        byte[] first = tx.modify(block0, structure(dir, 0));
        long parent = Le.u32(first, 12);
        int unsignedVersion = version + ((sb.flags & 0x2) != 0 ? 3 : 0);
        List<Entry> entries = new ArrayList<>();
        for (Entry e : entriesOf(first, unsignedVersion)) {
            boolean dots = Arrays.equals(e.name(), new byte[] {'.'}) || Arrays.equals(e.name(), new byte[] {'.', '.'});
            if (!dots) {
                entries.add(e);
            }
        }
        entries.sort(Comparator.comparingInt((Entry e) -> e.hash() ^ Integer.MIN_VALUE));
        long phys1 = w.appendDirectoryBlock(dir, raw);
        byte[] leaf = tx.fresh(phys1, structure(dir, 1));
        fillLeaf(leaf, entries);
        sealLeaf(dir, raw, leaf);
        first = tx.modify(block0, structure(dir, 0));
        Arrays.fill(first, (byte) 0);
        writeEntry(first, 0, new byte[] {'.'}, dir, 2, 12);
        writeEntry(first, 12, new byte[] {'.', '.'}, parent, 2, sb.blockSize - 12);
        first[0x1C] = (byte) version;
        first[0x1D] = 8;
        first[0x1E] = 0;
        Le.put16(first, 0x20, rootLimit());
        Le.put16(first, 0x22, 1);
        Le.put32(first, 0x24, 1);
        sealIndex(dir, raw, first, 0x20);
        Inode.putFlags(raw, Le.i32(raw, 0x20) | Inode.FLAG_INDEX);
    }
}
