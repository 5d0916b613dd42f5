package dev.platter.format.qcow2;

import dev.platter.core.CorruptImageException;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One entry of the bitmap directory: where the bitmap's table is, its flags (in_use, auto,
 * extra_data_compatible), type, granularity and name. Entries are padded to a multiple of 8 bytes.
 */
record BitmapDirectoryEntry(long tableOffset, int tableSize, int flags, int type, int granularityBits, String name,
                            byte[] extraData) {
    static final int FLAG_IN_USE = 1;
    static final int FLAG_AUTO = 2;
    static final int FLAG_EXTRA_DATA_COMPATIBLE = 4;
    static final int TYPE_DIRTY_TRACKING = 1;
    static final int MAX_NAME = 1023;
    /** qemu's bound on a bitmap directory. */
    static final long MAX_DIRECTORY_BYTES = 64L << 20;
    private static final int FIXED = 24;

    BitmapDirectoryEntry {
        extraData = extraData == null ? new byte[0] : extraData.clone();
    }

    boolean inUse() {
        return (flags & FLAG_IN_USE) != 0;
    }

    boolean auto() {
        return (flags & FLAG_AUTO) != 0;
    }

    long granularity() {
        return 1L << granularityBits;
    }

    BitmapDirectoryEntry withFlags(int newFlags) {
        return new BitmapDirectoryEntry(tableOffset, tableSize, newFlags, type, granularityBits, name, extraData);
    }

    BitmapDirectoryEntry withTable(long offset, int size) {
        return new BitmapDirectoryEntry(offset, size, flags, type, granularityBits, name, extraData);
    }

    static List<BitmapDirectoryEntry> parse(ByteBuffer b, int count, long dirOffset) throws CorruptImageException {
        List<BitmapDirectoryEntry> out = new ArrayList<>();
        int off = 0;
        for (int i = 0; i < count; i++) {
            long at = dirOffset + off;
            if (b.limit() - off < FIXED) {
                throw new CorruptImageException("qcow2 bitmap directory entry " + i, at,
                        "runs past the directory");
            }
            long tableOffset = b.getLong(off);
            int tableSize = b.getInt(off + 8);
            int flags = b.getInt(off + 12);
            int type = b.get(off + 16) & 0xff;
            int granularityBits = b.get(off + 17) & 0xff;
            int nameSize = b.getShort(off + 18) & 0xffff;
            long extraSize = Integer.toUnsignedLong(b.getInt(off + 20));
            long len = FIXED + extraSize + nameSize;
            if (len > b.limit() - off) {
                throw new CorruptImageException("qcow2 bitmap directory entry " + i, at,
                        "runs past the directory");
            }
            if (nameSize == 0 || nameSize > MAX_NAME) {
                throw new CorruptImageException("qcow2 bitmap directory entry " + i, at,
                        "bitmap name length " + nameSize + " is not between 1 and " + MAX_NAME);
            }
            byte[] extra = new byte[(int) extraSize];
            b.get(off + FIXED, extra);
            byte[] name = new byte[nameSize];
            b.get(off + FIXED + (int) extraSize, name);
            out.add(new BitmapDirectoryEntry(tableOffset, tableSize, flags, type, granularityBits,
                    new String(name, StandardCharsets.UTF_8), extra));
            off += (int) ((len + 7) & ~7L);
        }
        return out;
    }

    int encodedSize() {
        return (FIXED + extraData.length + name.getBytes(StandardCharsets.UTF_8).length + 7) & ~7;
    }

    static byte[] toBytes(List<BitmapDirectoryEntry> entries) {
        int size = 0;
        for (BitmapDirectoryEntry e : entries) {
            size += e.encodedSize();
        }
        ByteBuffer b = ByteBuffer.allocate(size);
        for (BitmapDirectoryEntry e : entries) {
            int start = b.position();
            byte[] name = e.name.getBytes(StandardCharsets.UTF_8);
            b.putLong(e.tableOffset).putInt(e.tableSize).putInt(e.flags).put((byte) e.type)
                    .put((byte) e.granularityBits).putShort((short) name.length).putInt(e.extraData.length)
                    .put(e.extraData).put(name);
            b.position(start + e.encodedSize());
        }
        return b.array();
    }
}
