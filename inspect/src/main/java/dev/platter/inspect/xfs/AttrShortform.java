package dev.platter.inspect.xfs;

import dev.platter.core.CorruptImageException;

import java.util.ArrayList;
import java.util.List;

/**
 * Attributes stored in the inode's attribute fork (xfs_attr_shortform): header {totsize u16, count u8, pad u8},
 * then entries {namelen u8, valuelen u8, flags u8, name, value}.
 */
final class AttrShortform {
    private AttrShortform() {
    }

    static List<AttrEntry> parse(byte[] fork, long position, String what) throws CorruptImageException {
        if (fork.length < 4) {
            throw new CorruptImageException(what, position, "attribute fork too small for a shortform header");
        }
        int total = Be.u16(fork, 0);
        int count = Be.u8(fork, 2);
        int end = Math.min(total, fork.length);
        if (total < 4 || total > fork.length) {
            throw new CorruptImageException(what, position, "shortform attribute size " + total + " in a "
                    + fork.length + "-byte fork");
        }
        List<AttrEntry> out = new ArrayList<>(count);
        int off = 4;
        for (int i = 0; i < count; i++) {
            if (off + 3 > end) {
                throw new CorruptImageException(what, position + off, "attribute " + i + " of " + count
                        + " runs past the " + end + "-byte list");
            }
            int nameLen = Be.u8(fork, off);
            int valueLen = Be.u8(fork, off + 1);
            int flags = Be.u8(fork, off + 2);
            if (off + 3 + nameLen + valueLen > end) {
                throw new CorruptImageException(what, position + off, "attribute " + i + " runs past the " + end
                        + "-byte list");
            }
            out.add(new AttrEntry(Be.slice(fork, off + 3, nameLen), flags,
                    Be.slice(fork, off + 3 + nameLen, valueLen), -1, -1));
            off += 3 + nameLen + valueLen;
        }
        return out;
    }
}
