package dev.platter.inspect.xfs;

import dev.platter.core.CorruptImageException;

/**
 * A used entry of a directory data block (xfs_dir2_data_entry): inumber u64, namelen u8, name, then the file-type
 * byte (with ftype), padding to 8 bytes, and the entry's own offset as a u16 tag in its last two bytes. Unused
 * space is {freetag u16 = 0xFFFF, length u16, ..., tag u16}.
 *
 * @param size bytes the entry (or the unused run) occupies
 */
record DirDataEntry(long inumber, byte[] name, int ftype, int size, boolean unused) {
    static final int FREE_TAG = 0xFFFF;

    static int entrySize(int nameLen, boolean ftype) {
        return (8 + 1 + nameLen + (ftype ? 1 : 0) + 2 + 7) & ~7;
    }

    /** Parses the entry or unused run at {@code off}, which must end by {@code end}. */
    static DirDataEntry parse(byte[] b, int off, int end, boolean ftype, long position, String what)
            throws CorruptImageException {
        if (off + 8 > end || (off & 7) != 0) {
            throw new CorruptImageException(what, position + off, "entry at offset " + off + " is misaligned or "
                    + "runs past offset " + end);
        }
        if (Be.u16(b, off) == FREE_TAG) {
            int length = Be.u16(b, off + 2);
            if (length < 8 || (length & 7) != 0 || off + length > end) {
                throw new CorruptImageException(what, position + off, "unused run of " + length + " bytes at offset "
                        + off);
            }
            return new DirDataEntry(0, null, 0, length, true);
        }
        int nameLen = Be.u8(b, off + 8);
        int size = entrySize(nameLen, ftype);
        if (nameLen == 0 || off + size > end) {
            throw new CorruptImageException(what, position + off, "entry with a " + nameLen
                    + "-byte name at offset " + off + " runs past offset " + end);
        }
        int tag = Be.u16(b, off + size - 2);
        if (tag != off) {
            throw new CorruptImageException(what, position + off, "entry tag " + tag + " does not match its offset "
                    + off);
        }
        return new DirDataEntry(Be.u64(b, off), Be.slice(b, off + 9, nameLen),
                ftype ? Be.u8(b, off + 9 + nameLen) : 0, size, false);
    }

    boolean isDotOrDotDot() {
        return name.length == 1 && name[0] == '.' || name.length == 2 && name[0] == '.' && name[1] == '.';
    }
}
