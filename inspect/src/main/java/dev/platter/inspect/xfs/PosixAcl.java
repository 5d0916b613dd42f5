package dev.platter.inspect.xfs;

import dev.platter.core.CorruptImageException;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * POSIX ACLs: XFS keeps them as the trusted attributes SGI_ACL_FILE / SGI_ACL_DEFAULT in big-endian
 * {count u32, entries {tag u32, id u32, perm u16, pad u16}}; Linux shows them as system.posix_acl_access /
 * system.posix_acl_default in the generic xattr form {version u32 = 2, entries {tag u16, perm u16, id u32}},
 * little-endian, with the id undefined (0xFFFFFFFF) except for named users and groups.
 */
final class PosixAcl {
    static final String XFS_ACCESS = "SGI_ACL_FILE";
    static final String XFS_DEFAULT = "SGI_ACL_DEFAULT";
    private static final int ACL_USER = 0x02;
    private static final int ACL_GROUP = 0x08;
    private static final int MAX_ENTRIES = 8191;

    private PosixAcl() {
    }

    static byte[] toLinux(byte[] xfs, String what) throws CorruptImageException {
        if (xfs.length < 4) {
            throw new CorruptImageException(what, -1, "ACL of " + xfs.length + " bytes");
        }
        long count = Be.u32(xfs, 0);
        if (count > MAX_ENTRIES || 4 + count * 12 > xfs.length) {
            throw new CorruptImageException(what, -1, "ACL claims " + count + " entries in " + xfs.length + " bytes");
        }
        ByteBuffer out = ByteBuffer.allocate(4 + (int) count * 8).order(ByteOrder.LITTLE_ENDIAN);
        out.putInt(2);
        for (int i = 0; i < count; i++) {
            int off = 4 + i * 12;
            int tag = (int) Be.u32(xfs, off);
            long id = Be.u32(xfs, off + 4);
            int perm = Be.u16(xfs, off + 8);
            out.putShort((short) tag);
            out.putShort((short) perm);
            out.putInt(tag == ACL_USER || tag == ACL_GROUP ? (int) id : -1);
        }
        return out.array();
    }
}
