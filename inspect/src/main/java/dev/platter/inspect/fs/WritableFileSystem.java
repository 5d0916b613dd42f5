package dev.platter.inspect.fs;

import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;

/**
 * A guest filesystem opened for writing. Every method is one operation: a crash at any point leaves the filesystem as
 * it was before that operation or after it, never in between, once the filesystem's own recovery has run (the
 * kernel's or e2fsck's journal replay). Operations are grouped into transactions that become durable together at
 * {@link #commit()} (or earlier, when a transaction grows large); {@link #close()} commits.
 *
 * <p>Reads ({@link GuestFileSystem}'s methods) see every operation made so far, committed or not. Names are raw bytes
 * of one path component (no "/", no NUL, not "." or "..", at most 255 bytes). Not thread-safe for writes: one writer
 * at a time.
 */
public interface WritableFileSystem extends GuestFileSystem {

    /**
     * Ownership, permissions and times of a new inode.
     *
     * @param permissions the permission bits, setuid, setgid and sticky included ({@code mode & 07777})
     * @param uid         owner
     * @param gid         group
     * @param atime       access time
     * @param mtime       modification time (ctime and crtime are the time of the operation)
     */
    record Attributes(int permissions, long uid, long gid, Instant atime, Instant mtime) {
        /** root:root, now, with {@code permissions}. */
        public static Attributes of(int permissions) {
            Instant now = Instant.now();
            return new Attributes(permissions, 0, 0, now, now);
        }

        public Attributes withOwner(long newUid, long newGid) {
            return new Attributes(permissions, newUid, newGid, atime, mtime);
        }

        public Attributes withTimes(Instant newAtime, Instant newMtime) {
            return new Attributes(permissions, uid, gid, newAtime, newMtime);
        }
    }

    /** Creates an empty directory; returns its inode. Fails when the name exists. */
    long mkdir(long parent, byte[] name, Attributes attributes) throws IOException;

    /**
     * Creates a regular file holding the {@code size} bytes {@code data} gives (blocks of zeros are left as holes, as
     * {@code cp --sparse=always} leaves them); returns its inode. Fails when the name exists.
     */
    long createFile(long parent, byte[] name, Attributes attributes, InputStream data, long size) throws IOException;

    /** Creates a symbolic link to {@code target}; returns its inode. */
    long symlink(long parent, byte[] name, byte[] target, Attributes attributes) throws IOException;

    /**
     * Creates a special file: {@code type} is {@link FileType#FIFO}, {@link FileType#SOCKET},
     * {@link FileType#CHAR_DEVICE} or {@link FileType#BLOCK_DEVICE} (major and minor only for devices).
     */
    long mknod(long parent, byte[] name, FileType type, long major, long minor, Attributes attributes)
            throws IOException;

    /** A new name for an existing non-directory inode (a hard link). */
    void link(long parent, byte[] name, long inode) throws IOException;

    /** Removes a name that is not a directory; the inode and its blocks are freed with its last link. */
    void unlink(long parent, byte[] name) throws IOException;

    /** Removes an empty directory. */
    void rmdir(long parent, byte[] name) throws IOException;

    /**
     * Moves a name, as rename(2): an existing target that is not a directory (or is an empty directory, when the
     * source is one) is replaced.
     */
    void rename(long fromParent, byte[] fromName, long toParent, byte[] toName) throws IOException;

    /**
     * Gives a regular file new contents, keeping its inode (owner, mode, extended attributes and links stay); the
     * old contents stay readable until the operation is complete, so a crash leaves either the old or the new.
     */
    void replaceContent(long inode, InputStream data, long size) throws IOException;

    /** Shortens or extends (with a hole) a regular file. */
    void truncate(long inode, long size) throws IOException;

    /** Sets the permission bits ({@code mode & 07777}). */
    void chmod(long inode, int permissions) throws IOException;

    /** Sets the owner and group; -1 leaves either as it is. */
    void chown(long inode, long uid, long gid) throws IOException;

    /** Sets the access and modification times; null leaves either as it is. */
    void setTimes(long inode, Instant atime, Instant mtime) throws IOException;

    /** Makes every operation so far durable (on the image: the caller flushes the image itself). */
    void commit() throws IOException;

    /** Commits and closes. */
    @Override
    void close() throws IOException;
}
