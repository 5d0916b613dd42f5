package dev.platter.inspect.ext4;

import java.nio.charset.StandardCharsets;

/**
 * One xattr entry (in the inode body or an xattr block): name length, name index (the namespace prefix), value
 * offset, value inode (ea_inode: the value is that inode's data), value size, hash, name. Entries are 4-byte
 * aligned; a list ends with four zero bytes.
 */
record XattrEntry(int nameIndex, byte[] name, int valueOffset, long valueInode, long valueSize, int size) {
    static final int HEADER = 16;

    static final int INDEX_USER = 1;
    static final int INDEX_POSIX_ACL_ACCESS = 2;
    static final int INDEX_POSIX_ACL_DEFAULT = 3;
    static final int INDEX_TRUSTED = 4;
    static final int INDEX_SECURITY = 6;
    static final int INDEX_SYSTEM = 7;
    static final int INDEX_RICHACL = 8;
    static final int INDEX_HURD = 10;

    /** True when four zero bytes (or the region end) terminate the list at {@code off}. */
    static boolean isEnd(byte[] b, int off, int end) {
        return end - off < 4 || Le.i32(b, off) == 0;
    }

    /** Parses the entry at {@code off}, or returns null when it does not fit before {@code end}. */
    static XattrEntry parse(byte[] b, int off, int end) {
        if (end - off < HEADER) {
            return null;
        }
        int nameLen = Le.u8(b, off);
        int size = (HEADER + nameLen + 3) & ~3;
        if (off + HEADER + nameLen > end) {
            return null;
        }
        byte[] name = new byte[nameLen];
        System.arraycopy(b, off + HEADER, name, 0, nameLen);
        return new XattrEntry(Le.u8(b, off + 1), name, Le.u16(b, off + 2), Le.u32(b, off + 4), Le.u32(b, off + 8), size);
    }

    /** The full name with its namespace ("user.comment"), or null for namespaces Linux does not list. */
    String fullName() {
        String suffix = new String(name, StandardCharsets.UTF_8);
        return switch (nameIndex) {
            case INDEX_USER -> "user." + suffix;
            case INDEX_POSIX_ACL_ACCESS -> "system.posix_acl_access";
            case INDEX_POSIX_ACL_DEFAULT -> "system.posix_acl_default";
            case INDEX_TRUSTED -> "trusted." + suffix;
            case INDEX_SECURITY -> "security." + suffix;
            case INDEX_RICHACL -> "system.richacl";
            case INDEX_HURD -> "gnu." + suffix;
            default -> null;
        };
    }

    boolean isSystemData() {
        return nameIndex == INDEX_SYSTEM && name.length == 4 && name[0] == 'd' && name[1] == 'a' && name[2] == 't'
                && name[3] == 'a';
    }
}
