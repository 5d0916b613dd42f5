package dev.platter.inspect.xfs;

/**
 * One extended attribute as stored: its raw name, namespace flags and either its value or, for a value kept in
 * blocks of its own, where those start (attribute-fork block) and how long the value is.
 */
record AttrEntry(byte[] name, int flags, byte[] value, long remoteBlock, long remoteLength) {
    static final int LOCAL = 0x1;
    static final int ROOT = 0x2;
    static final int SECURE = 0x4;
    static final int PARENT = 0x8;
    static final int INCOMPLETE = 0x80;

    boolean isRemote() {
        return value == null;
    }

    /** The Linux xattr namespace prefix of these flags. */
    static String prefix(int flags) {
        if ((flags & SECURE) != 0) {
            return "security.";
        }
        if ((flags & ROOT) != 0) {
            return "trusted.";
        }
        return "user.";
    }
}
