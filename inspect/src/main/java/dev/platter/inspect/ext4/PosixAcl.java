package dev.platter.inspect.ext4;

import java.io.ByteArrayOutputStream;

/**
 * POSIX ACLs as ext4 stores them (version 1; 4-byte entries for the owner, owning group, mask and other, 8-byte
 * entries with an id for named users and groups), converted to the form Linux's getxattr returns: version 2, every
 * entry 8 bytes, id 0xFFFFFFFF where the tag has none.
 */
final class PosixAcl {
    private static final int DISK_VERSION = 1;
    private static final int XATTR_VERSION = 2;
    private static final int USER = 0x02;
    private static final int GROUP = 0x08;

    private PosixAcl() {
    }

    /** The xattr form of an on-disk ACL, or null when {@code disk} is not a well-formed on-disk ACL. */
    static byte[] toXattr(byte[] disk) {
        if (disk.length < 4 || Le.i32(disk, 0) != DISK_VERSION) {
            return null;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(disk.length * 2);
        byte[] word = new byte[4];
        Le.put32(word, 0, XATTR_VERSION);
        out.writeBytes(word);
        int off = 4;
        while (off < disk.length) {
            if (disk.length - off < 4) {
                return null;
            }
            int tag = Le.u16(disk, off);
            int perm = Le.u16(disk, off + 2);
            long id;
            if (tag == USER || tag == GROUP) {
                if (disk.length - off < 8) {
                    return null;
                }
                id = Le.u32(disk, off + 4);
                off += 8;
            } else {
                id = 0xFFFFFFFFL;
                off += 4;
            }
            byte[] e = new byte[8];
            Le.put16(e, 0, tag);
            Le.put16(e, 2, perm);
            Le.put32(e, 4, (int) id);
            out.writeBytes(e);
        }
        return out.toByteArray();
    }
}
