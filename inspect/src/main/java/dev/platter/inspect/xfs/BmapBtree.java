package dev.platter.inspect.xfs;

import dev.platter.core.CorruptImageException;

import java.io.IOException;

/**
 * A fork in btree format: a B+tree of extent records keyed by file offset, rooted in the inode. Lookups descend by
 * key; levels must decrease by exactly one per step, so a pointer cycle cannot loop.
 */
final class BmapBtree implements ExtentMap {
    private static final int MAX_SIBLING_HOPS = 16;

    private final XfsContext ctx;
    private final BmbtRoot root;
    private final long owner;
    private final String what;

    BmapBtree(XfsContext ctx, BmbtRoot root, long owner, String what) {
        this.ctx = ctx;
        this.root = root;
        this.owner = owner;
        this.what = what;
    }

    /** A block of the tree with its parsed header. */
    private record Node(LongBtreeBlock header, byte[] bytes, long fsbno) {
    }

    private Node read(long fsbno, int expectedLevel) throws IOException {
        String blockWhat = what + " bmap btree block " + fsbno;
        long pos = ctx.geo.fsbToByte(fsbno, blockWhat);
        byte[] b = ctx.reader.readCached(pos, ctx.geo.blockSize, blockWhat);
        LongBtreeBlock h = LongBtreeBlock.parse(b, pos, owner, ctx, blockWhat);
        if (h.level() != expectedLevel) {
            throw new CorruptImageException(blockWhat, pos, "level " + h.level() + ", expected " + expectedLevel
                    + " below its parent");
        }
        if (h.numRecs() == 0) {
            throw new CorruptImageException(blockWhat, pos, "empty btree block");
        }
        return new Node(h, b, fsbno);
    }

    private long childPointer(Node n, int index) {
        int max = n.header.maxRecs(n.bytes.length);
        return Be.u64(n.bytes, n.header.headerSize() + max * 8 + index * 8);
    }

    private long[] keys(Node n) {
        long[] keys = new long[n.header.numRecs()];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = Be.u64(n.bytes, n.header.headerSize() + i * 8);
        }
        return keys;
    }

    private BmbtRecord record(Node n, int i) throws CorruptImageException {
        BmbtRecord r = BmbtRecord.parse(n.bytes, n.header.headerSize() + i * BmbtRecord.SIZE);
        if (r.blockCount() == 0) {
            throw new CorruptImageException(what + " bmap btree block " + n.fsbno, -1,
                    "extent record " + i + " has no blocks");
        }
        return r;
    }

    /** Index of the first record of leaf {@code n} ending after {@code fileBlock} (binary search on the bytes). */
    private int indexOf(Node n, long fileBlock) {
        int lo = 0;
        int hi = n.header.numRecs();
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            BmbtRecord r = BmbtRecord.parse(n.bytes, n.header.headerSize() + mid * BmbtRecord.SIZE);
            if (r.endOff() <= fileBlock) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** Descends from the root to the leaf whose key range holds {@code fileBlock} (or the last one). */
    private Node leafFor(long fileBlock, boolean rightmost) throws IOException {
        int i = rightmost ? root.ptrs().length - 1 : BmbtRoot.childIndex(root.keys(), root.keys().length, fileBlock);
        int level = root.level() - 1;
        Node n = read(root.ptrs()[i], level);
        while (level > 0) {
            int count = n.header.numRecs();
            int c = rightmost ? count - 1 : BmbtRoot.childIndex(keys(n), count, fileBlock);
            level--;
            n = read(childPointer(n, c), level);
        }
        return n;
    }

    @Override
    public BmbtRecord find(long fileBlock) throws IOException {
        Node leaf = leafFor(fileBlock, false);
        for (int hop = 0; hop <= MAX_SIBLING_HOPS; hop++) {
            int i = indexOf(leaf, fileBlock);
            if (i < leaf.header.numRecs()) {
                BmbtRecord r = record(leaf, i);
                if (i > 0 && record(leaf, i - 1).endOff() > r.startOff()) {
                    throw new CorruptImageException(what + " bmap btree block " + leaf.fsbno, -1,
                            "extent records " + (i - 1) + " and " + i + " overlap or are unsorted");
                }
                return r;
            }
            long next = leaf.header.rightSib();
            if (next == LongBtreeBlock.NULL_PTR) {
                return null;
            }
            leaf = read(next, 0);
        }
        throw new CorruptImageException(what, -1, "bmap btree keys do not lead to file block " + fileBlock
                + " within " + MAX_SIBLING_HOPS + " sibling leaves");
    }

    @Override
    public BmbtRecord last() throws IOException {
        Node leaf = leafFor(Long.MAX_VALUE, true);
        return record(leaf, leaf.header.numRecs() - 1);
    }
}
