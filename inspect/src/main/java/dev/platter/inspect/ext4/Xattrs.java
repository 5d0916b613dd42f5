package dev.platter.inspect.ext4;

import dev.platter.core.CorruptImageException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Extended attributes of an inode: first those in the inode body (after i_extra_isize, behind a magic word,
 * values relative to the first entry), then those in its xattr block (values relative to the block). Values of
 * ea_inode entries are the data of a separate inode.
 */
final class Xattrs {
    /** Linux's XATTR_SIZE_MAX: no value is larger. */
    static final int MAX_VALUE = 65536;

    /** One attribute as stored. */
    record Attr(XattrEntry entry, byte[] value) {
    }

    private Xattrs() {
    }

    /** Every attribute Linux would list, by full name, in on-disk order; ACLs in their xattr form. */
    static Map<String, byte[]> all(Ext4FileSystem fs, Inode inode) throws IOException {
        Map<String, byte[]> out = new LinkedHashMap<>();
        List<Attr> attrs = new ArrayList<>(inBody(fs, inode));
        attrs.addAll(inBlock(fs, inode));
        for (Attr a : attrs) {
            String name = a.entry().fullName();
            if (name == null) {
                continue;
            }
            byte[] value = a.value();
            int index = a.entry().nameIndex();
            if (index == XattrEntry.INDEX_POSIX_ACL_ACCESS || index == XattrEntry.INDEX_POSIX_ACL_DEFAULT) {
                byte[] acl = PosixAcl.toXattr(value);
                if (acl == null) {
                    fs.warn("ext inode " + inode.number + ": malformed " + name + " returned as stored");
                } else {
                    value = acl;
                }
            }
            out.putIfAbsent(name, value);
        }
        return out;
    }

    /** The attributes stored in the inode body. */
    static List<Attr> inBody(Ext4FileSystem fs, Inode inode) throws IOException {
        byte[] r = inode.raw;
        int start = Inode.GOOD_OLD_SIZE + inode.extraIsize;
        if (r.length <= Inode.GOOD_OLD_SIZE || start + 4 > r.length || !XattrHeader.hasMagic(r, start)) {
            return List.of();
        }
        return entries(fs, inode, r, start + 4, start + 4, r.length, "ext in-inode xattrs of inode " + inode.number);
    }

    /** The attributes of the inode's xattr block, if it has one. */
    static List<Attr> inBlock(Ext4FileSystem fs, Inode inode) throws IOException {
        long block = inode.fileAcl;
        if (block == 0) {
            return List.of();
        }
        String structure = "ext xattr block " + block + " of inode " + inode.number;
        if (block <= fs.superblock().firstDataBlock) {
            throw new CorruptImageException(structure, -1, "block number " + block);
        }
        byte[] b = fs.metadataBlock(block, structure);
        long offset = block * fs.blockSize();
        if (!XattrHeader.hasMagic(b, 0)) {
            throw new CorruptImageException(structure, offset, "bad magic");
        }
        XattrHeader h = XattrHeader.parse(b);
        if (h.blocks() != 1) {
            throw new CorruptImageException(structure, offset, "spans " + h.blocks() + " blocks (expected 1)");
        }
        fs.checksums().xattrBlock(block, b, offset);
        return entries(fs, inode, b, XattrHeader.SIZE, 0, b.length, structure);
    }

    private static List<Attr> entries(Ext4FileSystem fs, Inode inode, byte[] b, int first, int valueBase, int end,
                                      String structure) throws IOException {
        List<Attr> out = new ArrayList<>();
        int off = first;
        while (!XattrEntry.isEnd(b, off, end)) {
            XattrEntry e = XattrEntry.parse(b, off, end);
            if (e == null) {
                throw new CorruptImageException(structure, -1, "entry at byte " + off + " overruns the region");
            }
            out.add(new Attr(e, value(fs, e, b, valueBase, first, end, structure)));
            off += e.size();
        }
        return out;
    }

    private static byte[] value(Ext4FileSystem fs, XattrEntry e, byte[] b, int valueBase, int first, int end,
                                String structure) throws IOException {
        if (e.valueSize() > MAX_VALUE) {
            throw new CorruptImageException(structure, -1, "value of " + e.valueSize() + " bytes");
        }
        int size = (int) e.valueSize();
        if (e.valueInode() != 0) {
            if (!fs.superblock().hasIncompat(Features.INCOMPAT_EA_INODE)) {
                throw new CorruptImageException(structure, -1, "value in inode " + e.valueInode()
                        + " without the ea_inode feature");
            }
            Inode holder = fs.inode(e.valueInode());
            if (!holder.hasFlag(Inode.FLAG_EA_INODE) || !holder.isRegular() || fs.size(holder) < size) {
                throw new CorruptImageException(structure, -1, "value inode " + e.valueInode()
                        + " is not an xattr inode of at least " + size + " bytes");
            }
            byte[] v = new byte[size];
            new Ext4File(fs, holder, fs.size(holder)).read(0, ByteBuffer.wrap(v));
            return v;
        }
        long start = (long) valueBase + e.valueOffset();
        if (start < first || start + size > end) {
            throw new CorruptImageException(structure, -1, "value at " + start + "+" + size + " lies outside the region");
        }
        byte[] v = new byte[size];
        System.arraycopy(b, (int) start, v, 0, size);
        return v;
    }
}
