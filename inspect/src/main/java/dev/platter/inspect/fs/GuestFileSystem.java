package dev.platter.inspect.fs;

import dev.platter.core.BlockDevice;

import java.io.Closeable;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * A guest filesystem, read-only and inode-based. Implementations (ext2/3/4, XFS) read untrusted bytes: every
 * failure is an {@link IOException} ({@link dev.platter.core.CorruptImageException} naming the structure and
 * offset, {@link dev.platter.core.UnsupportedFeatureException} naming the feature), never a bare
 * RuntimeException, an unbounded allocation or an endless loop. Thread-safe for concurrent reads.
 *
 * <p>Path resolution across mounts and symlinks is the {@code Guest}'s job; a filesystem answers questions about
 * its own inodes only.
 */
public interface GuestFileSystem extends Closeable {

    /** The type as virt-filesystems prints it: "ext2", "ext3", "ext4", "xfs". */
    String type();

    /** The volume label, or "" when there is none. */
    String label();

    /** The filesystem UUID in its canonical text form, or "" when there is none. */
    String uuid();

    /** The inode number of the root directory. */
    long rootInode();

    /** The attributes of an inode. */
    FileStat stat(long inode) throws IOException;

    /**
     * Every entry of a directory, without "." and "..", in on-disk order. Bounded by the directory's size: a
     * corrupt directory yields an error or the entries read so far plus a warning, never a loop.
     */
    List<DirEntry> list(long dirInode) throws IOException;

    /** One name in a directory (hashed lookup where the format has an index), or null when absent. */
    DirEntry lookup(long dirInode, byte[] name) throws IOException;

    /** The target of a symbolic link, as stored (raw bytes). */
    byte[] readlink(long inode) throws IOException;

    /**
     * The contents of a regular file as a read-only device of the file's size. Its mapping reports holes as
     * UNALLOCATED and unwritten (preallocated) extents as ZERO, so copies keep holes as holes.
     */
    BlockDevice open(long inode) throws IOException;

    /** Extended attributes of an inode, names with their namespace prefix ("user.comment"), in on-disk order. */
    Map<String, byte[]> xattrs(long inode) throws IOException;

    /** The numbers statvfs(2) would report for this filesystem mounted read-only by Linux. */
    StatFs statfs() throws IOException;

    /**
     * When the filesystem's journal (ext3/4) or log (XFS) held committed changes and they were replayed in memory
     * when it was opened, as the kernel replays them when it mounts: one line saying what was replayed. Null when the
     * filesystem was read as it stands on disk (clean, or replay not asked for).
     */
    default String journalReplay() {
        return null;
    }

    /** Problems met so far that did not stop the reading (dirty journal, checksum mismatch read on ...). */
    List<String> warnings();
}
