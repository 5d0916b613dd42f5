package dev.platter.inspect.ext4;

import dev.platter.core.CorruptImageException;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The writer's edits of the extended attributes stored in an inode record (after {@code i_extra_isize}): the region
 * starts with the xattr magic, entries follow (4-byte aligned, ended by four zero bytes) and values are packed from
 * the end of the record, their offsets counted from the first entry. Edits rebuild the region with the other
 * attributes' names, values and hashes unchanged (SELinux labels among them).
 */
final class InodeBodyXattrs {
    private record Attr(int index, byte[] name, byte[] value, int hash) {
    }

    private static final byte[] DATA = {'d', 'a', 't', 'a'};

    private InodeBodyXattrs() {
    }

    private static int regionStart(byte[] raw) {
        return Inode.GOOD_OLD_SIZE + Le.u16(raw, Inode.EXTRA_ISIZE);
    }

    private static List<Attr> parse(byte[] raw, long ino) throws CorruptImageException {
        List<Attr> out = new ArrayList<>();
        int start = regionStart(raw);
        if (raw.length <= Inode.GOOD_OLD_SIZE || start + 4 > raw.length || !XattrHeader.hasMagic(raw, start)) {
            return out;
        }
        int first = start + 4;
        int off = first;
        while (!XattrEntry.isEnd(raw, off, raw.length)) {
            XattrEntry e = XattrEntry.parse(raw, off, raw.length);
            if (e == null || e.valueInode() != 0) {
                throw new CorruptImageException("ext in-inode xattrs of inode " + ino, -1,
                        e == null ? "entry overruns the inode" : "value in an EA inode (not written by Platter)");
            }
            int vs = first + e.valueOffset();
            if (e.valueSize() > raw.length || vs < first || vs + e.valueSize() > raw.length) {
                throw new CorruptImageException("ext in-inode xattrs of inode " + ino, -1, "value outside the inode");
            }
            out.add(new Attr(e.nameIndex(), e.name(), Arrays.copyOfRange(raw, vs, vs + (int) e.valueSize()),
                    Le.i32(raw, off + 12)));
            off += e.size();
        }
        return out;
    }

    /** Writes {@code attrs} as the region, or fails (leaving {@code raw} as it was) when they do not fit. */
    private static boolean write(byte[] raw, List<Attr> attrs) {
        int start = regionStart(raw);
        byte[] copy = raw.clone();
        Arrays.fill(copy, start, copy.length, (byte) 0);
        if (attrs.isEmpty()) {
            System.arraycopy(copy, 0, raw, 0, raw.length);
            return true;
        }
        if (start + 8 > raw.length) {
            return false;
        }
        Le.put32(copy, start, XattrHeader.MAGIC);
        int first = start + 4;
        int off = first;
        int valueEnd = raw.length;
        for (Attr a : attrs) {
            int size = (XattrEntry.HEADER + a.name().length + 3) & ~3;
            int padded = (a.value().length + 3) & ~3;
            int valueAt = valueEnd - padded;
            if (off + size + 4 > valueAt) {
                return false;
            }
            copy[off] = (byte) a.name().length;
            copy[off + 1] = (byte) a.index();
            Le.put16(copy, off + 2, a.value().length == 0 ? 0 : valueAt - first);
            Le.put32(copy, off + 8, a.value().length);
            Le.put32(copy, off + 12, a.hash());
            System.arraycopy(a.name(), 0, copy, off + XattrEntry.HEADER, a.name().length);
            System.arraycopy(a.value(), 0, copy, valueAt, a.value().length);
            valueEnd = valueAt;
            off += size;
        }
        System.arraycopy(copy, 0, raw, 0, raw.length);
        return true;
    }

    /** The system.data value (the inline bytes past i_block's 60), empty when absent. */
    static byte[] systemData(byte[] raw, long ino) throws CorruptImageException {
        for (Attr a : parse(raw, ino)) {
            if (a.index() == XattrEntry.INDEX_SYSTEM && Arrays.equals(a.name(), DATA)) {
                return a.value();
            }
        }
        return new byte[0];
    }

    /** Removes system.data (the inode stops storing its data inline). */
    static void removeSystemData(byte[] raw, long ino) throws CorruptImageException {
        List<Attr> attrs = parse(raw, ino);
        attrs.removeIf(a -> a.index() == XattrEntry.INDEX_SYSTEM && Arrays.equals(a.name(), DATA));
        if (!write(raw, attrs)) {
            throw new CorruptImageException("ext in-inode xattrs of inode " + ino, -1,
                    "the attributes overlap: packed, they do not fit the inode");
        }
    }

    /**
     * Adds an empty system.data (an inline inode whose data fits i_block), first in the list as the kernel places it;
     * false when the record has no room.
     */
    static boolean addEmptySystemData(byte[] raw, long ino) throws CorruptImageException {
        List<Attr> attrs = parse(raw, ino);
        attrs.add(0, new Attr(XattrEntry.INDEX_SYSTEM, DATA, new byte[0], 0));
        return write(raw, attrs);
    }
}
