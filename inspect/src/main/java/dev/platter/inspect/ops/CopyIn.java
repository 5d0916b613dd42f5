package dev.platter.inspect.ops;

import dev.platter.inspect.fs.FileType;
import dev.platter.inspect.fs.WritableFileSystem.Attributes;
import dev.platter.inspect.guest.Errno;
import dev.platter.inspect.guest.GuestFile;
import dev.platter.inspect.guest.GuestFileException;
import dev.platter.inspect.guest.Mounts;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.Charset;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Copies host files and directory trees into a directory of a mounted writable guest, like virt-copy-in (which packs
 * them with tar on the host and unpacks them with tar in the appliance): LOCAL becomes REMOTEDIR/NAME, a directory
 * with everything below it. Kept as tar keeps them: the permission bits (setuid, setgid and sticky too), the numeric
 * owner and group, the modification time (to the nanosecond here; tar keeps whole seconds), symbolic links as links
 * with their target unchanged, hard links between the files copied as hard links, FIFOs and device nodes as such;
 * sockets are skipped with a warning, as tar skips them. What exists already is merged as tar merges it: a
 * directory stays (its mode, owner and times become the host's), anything else of the same name is replaced.
 *
 * <p>Host symlinks are never followed (LOCAL itself included, as tar archives a link named on its command line); in
 * the guest, REMOTEDIR is resolved as the guest would (symlinks followed inside it), and the names created below it
 * are made in the directories this copy made or found, so nothing is written outside REMOTEDIR.
 */
public final class CopyIn {
    private final GuestWriter writer;
    private final List<String> warnings = new ArrayList<>();
    /** Host (device, inode) of files with several links, and the guest path the first one was copied to. */
    private final Map<String, byte[]> hardLinks = new HashMap<>();
    private final Charset hostNames = Charset.forName(System.getProperty("sun.jnu.encoding", "UTF-8"));

    public CopyIn(Mounts mounts) {
        this.writer = new GuestWriter(mounts);
    }

    /** What was skipped on the way (sockets, names the guest cannot hold ...). */
    public List<String> warnings() {
        return warnings;
    }

    /** Copies {@code local} (a file, directory, symlink ...) into the existing guest directory {@code remoteDir}. */
    public void copy(Path local, String remoteDir) throws IOException {
        GuestFile dir;
        try {
            dir = writer.mounts().stat(remoteDir);
        } catch (GuestFileException e) {
            throw new GuestFileException(remoteDir, e.errno());
        }
        if (!dir.isDirectory()) {
            throw new IOException("target '" + remoteDir + "' is not a directory");
        }
        if (!Files.exists(local, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException(local + ": No such file or directory");
        }
        Path name = local.toAbsolutePath().normalize().getFileName();
        if (name == null) {
            // "/" itself: its contents go straight into the guest directory, as tar -C / . would put them
            copyChildren(local, dir.path(), 0);
            setAttributes(local, dir.path());
            return;
        }
        copyOne(local, Mounts.child(dir.path(), guestName(name)), 0);
    }

    private void copyOne(Path local, byte[] dest, int depth) throws IOException {
        Map<String, Object> a = Files.readAttributes(local, "unix:*", LinkOption.NOFOLLOW_LINKS);
        int mode = (Integer) a.get("mode");
        Attributes attrs = attributes(a);
        FileType type = FileType.fromMode(mode);
        int nlink = (Integer) a.get("nlink");
        if (type != FileType.DIRECTORY && nlink > 1) {
            String key = a.get("dev") + ":" + a.get("ino");
            byte[] first = hardLinks.putIfAbsent(key, dest);
            if (first != null) {
                writer.link(first, dest, true);
                return;
            }
        }
        switch (type) {
            case DIRECTORY -> {
                if (depth > TreeWalk.MAX_DEPTH) {
                    warnings.add(local + ": deeper than " + TreeWalk.MAX_DEPTH + " levels, not copied");
                    return;
                }
                directory(dest, attrs);
                copyChildren(local, dest, depth + 1);
                writer.setAttributes(dest, attrs);  // after its entries, which change its times
            }
            case REGULAR -> {
                long size = (Long) a.get("size");
                try (InputStream in = Files.newInputStream(local, LinkOption.NOFOLLOW_LINKS)) {
                    writer.putFile(dest, in, size, attrs);
                }
            }
            case SYMLINK -> {
                byte[] target = Files.readSymbolicLink(local).toString().getBytes(hostNames);
                writer.putSymlink(target, dest, attrs);
            }
            case FIFO, CHAR_DEVICE, BLOCK_DEVICE -> {
                long rdev = ((Number) a.get("rdev")).longValue();
                writer.mknod(dest, type, major(rdev), minor(rdev), attrs, true);
            }
            default -> warnings.add(local + ": " + (type == FileType.SOCKET ? "socket" : "unknown file type")
                    + " ignored");
        }
    }

    private void copyChildren(Path local, byte[] dest, int depth) throws IOException {
        List<Path> children = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(local)) {
            ds.forEach(children::add);
        }
        children.sort(null);
        for (Path c : children) {
            copyOne(c, Mounts.child(dest, guestName(c.getFileName())), depth);
        }
    }

    /** Makes {@code dest} a directory, or keeps the one there (a symlink to one is not followed: tar replaces it). */
    private void directory(byte[] dest, Attributes attrs) throws IOException {
        GuestWriter.Target t = writer.target(dest);
        if (t.existing() != null && t.existing().isDirectory()) {
            return;
        }
        if (t.existing() != null) {
            writer.remove(dest, false, false);
        }
        writer.mkdir(dest, attrs);
    }

    private void setAttributes(Path local, byte[] dest) throws IOException {
        writer.setAttributes(dest, attributes(Files.readAttributes(local, "unix:*", LinkOption.NOFOLLOW_LINKS)));
    }

    private byte[] guestName(Path fileName) throws IOException {
        byte[] n = fileName.toString().getBytes(hostNames);
        if (!Mounts.isValidName(n)) {
            throw new GuestFileException(fileName.toString(), Errno.EINVAL);
        }
        return n;
    }

    /** Mode, numeric owner and times as tar keeps them: the access time is the time of the copy. */
    private static Attributes attributes(Map<String, Object> a) {
        int mode = (Integer) a.get("mode");
        long uid = Integer.toUnsignedLong((Integer) a.get("uid"));
        long gid = Integer.toUnsignedLong((Integer) a.get("gid"));
        Instant mtime = ((FileTime) a.get("lastModifiedTime")).toInstant();
        return new Attributes(mode & 07777, uid, gid, Instant.now(), mtime);
    }

    /** Linux's dev_t encoding (glibc's gnu_dev_major and gnu_dev_minor). */
    static long major(long rdev) {
        return ((rdev >>> 8) & 0xfffL) | ((rdev >>> 32) & 0xfffff000L);
    }

    static long minor(long rdev) {
        return (rdev & 0xffL) | ((rdev >>> 12) & 0xffffff00L);
    }
}
