package dev.platter.inspect.xfs;

import dev.platter.core.CorruptImageException;

import java.util.ArrayList;
import java.util.List;

/**
 * A directory stored in the inode (xfs_dir2_sf_hdr and entries): count u8, i8count u8 (non-zero: every inode number
 * is 8 bytes, else 4), the parent's inode number; then entries {namelen u8, offset u16, name, ftype u8 (with ftype),
 * inode number}. There is no "." entry and ".." is the header's parent.
 */
record DirShortform(long parent, List<DirDataEntry> entries) {

    static DirShortform parse(byte[] fork, long size, boolean ftype, long position, String what)
            throws CorruptImageException {
        int end = (int) Math.min(size, fork.length);
        if (end < 6) {
            throw new CorruptImageException(what, position, "shortform directory of " + size + " bytes");
        }
        int count = Be.u8(fork, 0);
        int inoSize = Be.u8(fork, 1) != 0 ? 8 : 4;
        if (2 + inoSize > end) {
            throw new CorruptImageException(what, position, "shortform header runs past the directory's size");
        }
        long parent = inoSize == 8 ? Be.u64(fork, 2) : Be.u32(fork, 2);
        int off = 2 + inoSize;
        List<DirDataEntry> entries = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            if (off + 3 > end) {
                throw new CorruptImageException(what, position + off, "entry " + i + " of " + count
                        + " runs past the directory's " + end + " bytes");
            }
            int nameLen = Be.u8(fork, off);
            int entrySize = 3 + nameLen + (ftype ? 1 : 0) + inoSize;
            if (nameLen == 0 || off + entrySize > end) {
                throw new CorruptImageException(what, position + off, "entry " + i + " with a " + nameLen
                        + "-byte name runs past the directory's " + end + " bytes");
            }
            byte[] name = Be.slice(fork, off + 3, nameLen);
            int type = ftype ? Be.u8(fork, off + 3 + nameLen) : 0;
            int inoOff = off + 3 + nameLen + (ftype ? 1 : 0);
            long ino = inoSize == 8 ? Be.u64(fork, inoOff) : Be.u32(fork, inoOff);
            entries.add(new DirDataEntry(ino, name, type, entrySize, false));
            off += entrySize;
        }
        return new DirShortform(parent, entries);
    }
}
