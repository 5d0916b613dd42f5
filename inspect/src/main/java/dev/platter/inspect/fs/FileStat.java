package dev.platter.inspect.fs;

import java.time.Instant;

/**
 * What stat(2) reports for an inode.
 *
 * @param inode  inode number
 * @param mode   the full POSIX mode: type bits and permissions (incl. setuid, setgid, sticky)
 * @param nlink  link count
 * @param uid    owner (32-bit, unsigned)
 * @param gid    group (32-bit, unsigned)
 * @param size   size in bytes
 * @param blocks allocated space in 512-byte units, as st_blocks
 * @param atime  access time (null when the filesystem does not keep it)
 * @param mtime  modification time
 * @param ctime  inode change time
 * @param crtime creation time, or null
 * @param rdevMajor device major number for device nodes, else 0
 * @param rdevMinor device minor number for device nodes, else 0
 */
public record FileStat(long inode, int mode, long nlink, long uid, long gid, long size, long blocks,
                       Instant atime, Instant mtime, Instant ctime, Instant crtime, long rdevMajor, long rdevMinor) {

    public FileType type() {
        return FileType.fromMode(mode);
    }

    /** The permission bits, including setuid, setgid and sticky ({@code mode & 07777}). */
    public int permissions() {
        return mode & 07777;
    }
}
