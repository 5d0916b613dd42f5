package dev.platter.inspect.ops;

import dev.platter.inspect.fs.FileType;
import dev.platter.inspect.fs.WritableFileSystem;
import dev.platter.inspect.fs.WritableFileSystem.Attributes;
import dev.platter.inspect.guest.Errno;
import dev.platter.inspect.guest.GuestFile;
import dev.platter.inspect.guest.GuestFileException;
import dev.platter.inspect.guest.Mounts;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * Paths written in a mounted writable guest, as the guest's kernel would resolve them: every component but the last
 * is looked up through {@link Mounts} (mount points crossed, symbolic links followed inside the guest, an absolute
 * target starting again at the guest's root and ".." never leaving it), and the last one is then created, replaced
 * or removed in the directory found, through that directory's filesystem writer. Operations that act on an existing
 * file (chmod, chown, truncate, touch, write) follow a final symlink too, as their system calls do; those that make
 * or remove a name (mkdir, ln, rm) do not.
 *
 * <p>Each method is one or a few {@link WritableFileSystem} operations, each crash-atomic; where a name must be
 * replaced by something of another kind (a symlink where a file was, a file where a hard-linked file was) the new
 * one is made under a temporary name ({@code .platter-HEX}) in the same directory and renamed over the old one, so
 * a crash leaves the old or the new, plus at worst that temporary name. Errors are {@link GuestFileException}s
 * with strerror's words ("/opt/x: No such file or directory").
 */
public final class GuestWriter {
    /** mkdir's and open's default modes under the usual umask 022, as guestfsd creates them. */
    public static final int DIR_MODE = 0755;
    public static final int FILE_MODE = 0644;

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Mounts mounts;

    public GuestWriter(Mounts mounts) {
        this.mounts = mounts;
    }

    public Mounts mounts() {
        return mounts;
    }

    /**
     * Where a name is made or removed.
     *
     * @param path     the path as asked (for messages)
     * @param parent   the directory holding the name (symlinks and mount points resolved)
     * @param name     the last component, or null when the path ends in "." or ".." or is "/"
     * @param existing what the name is now (not followed), or null when it is absent
     */
    public record Target(byte[] path, GuestFile parent, byte[] name, GuestFile existing) {
        public String shown() {
            return new String(path, StandardCharsets.UTF_8);
        }
    }

    /** The parent directory and last name of {@code path}, and what is there now (a final symlink not followed). */
    public Target target(byte[] path) throws IOException {
        String shown = new String(path, StandardCharsets.UTF_8);
        if (path.length == 0 || path[0] != '/') {
            throw new IOException(shown + ": the path must start with a / character");
        }
        List<byte[]> parts = components(path);
        if (parts.isEmpty()) {
            return new Target(path, null, null, mounts.lstat(path));
        }
        byte[] last = parts.get(parts.size() - 1);
        if (isDot(last) || isDotDot(last)) {
            return new Target(path, null, null, mounts.lstat(path));
        }
        if (last.length > 255) {
            throw new GuestFileException(shown, Errno.ENAMETOOLONG);
        }
        byte[] parentPath = parentOf(parts);
        GuestFile parent;
        try {
            parent = mounts.stat(parentPath);
        } catch (GuestFileException e) {
            throw new GuestFileException(shown, e.errno());
        }
        if (!parent.isDirectory()) {
            throw new GuestFileException(shown, Errno.ENOTDIR);
        }
        GuestFile existing = lookup(parent, last);
        return new Target(path, parent, last, existing);
    }

    /** As {@link #target}, but a final symlink is followed (to where open(O_CREAT) would create or open). */
    public Target followedTarget(byte[] path) throws IOException {
        Target t = target(path);
        int links = 0;
        while (t.existing() != null && t.existing().type() == FileType.SYMLINK) {
            if (++links > Mounts.MAX_SYMLINKS) {
                throw new GuestFileException(t.shown(), Errno.ELOOP);
            }
            byte[] link = mounts.readlink(t.existing());
            if (link.length == 0) {
                throw new GuestFileException(t.shown(), Errno.ENOENT);
            }
            byte[] next = link[0] == '/' ? link : Mounts.child(t.parent().path(), link);
            t = target(next);
        }
        return t;
    }

    /** What {@code name} in {@code dir} is (lstat, mount points crossed), or null when absent. */
    private GuestFile lookup(GuestFile dir, byte[] name) throws IOException {
        if (dir.fs().lookup(dir.inode(), name) == null) {
            return null;
        }
        return mounts.lstat(Mounts.child(dir.path(), name));
    }

    private WritableFileSystem writer(GuestFile f) throws IOException {
        return mounts.writable(f);
    }

    // ---- making names ----------------------------------------------------------------------------------------

    /** mkdir: a new directory; EEXIST when the name exists. */
    public void mkdir(byte[] path, Attributes attributes) throws IOException {
        Target t = target(path);
        if (t.existing() != null) {
            throw new GuestFileException(t.shown(), Errno.EEXIST);
        }
        writer(t.parent()).mkdir(t.parent().inode(), t.name(), attributes);
    }

    /**
     * mkdir -p: every missing directory on the way, with {@code attributes}; components that exist must be
     * directories (or symlinks to them, followed as mkdir -p follows them).
     */
    public void mkdirs(byte[] path, Attributes attributes) throws IOException {
        String shown = new String(path, StandardCharsets.UTF_8);
        List<byte[]> parts = components(path);
        byte[] sofar = new byte[] {'/'};
        for (byte[] c : parts) {
            sofar = Mounts.child(sofar, c);
            GuestFile f;
            try {
                f = mounts.stat(sofar);
            } catch (GuestFileException e) {
                if (e.errno() != Errno.ENOENT) {
                    throw new GuestFileException(shown, e.errno());
                }
                f = null;
            }
            if (f == null) {
                Target t = target(sofar);
                if (t.existing() != null) {  // a dangling symlink: mkdir -p fails on it
                    throw new GuestFileException(shown, Errno.EEXIST);
                }
                writer(t.parent()).mkdir(t.parent().inode(), t.name(), attributes);
            } else if (!f.isDirectory()) {
                throw new GuestFileException(shown, Errno.ENOTDIR);
            }
        }
    }

    /**
     * Writes {@code size} bytes of {@code data} to {@code path} as open(O_WRONLY|O_CREAT|O_TRUNC) and write would
     * (guestfs's write and upload): a final symlink is followed, an existing regular file keeps its inode, owner,
     * mode and links (its contents are replaced in one crash-atomic step), a missing one is created with
     * {@code forNew}.
     */
    public void writeFile(byte[] path, InputStream data, long size, Attributes forNew) throws IOException {
        Target t = followedTarget(path);
        if (t.name() == null) {
            throw new GuestFileException(t.shown(), Errno.EISDIR);
        }
        if (t.existing() == null) {
            writer(t.parent()).createFile(t.parent().inode(), t.name(), forNew, exact(data, size, t.shown()), size);
            return;
        }
        GuestFile f = t.existing();
        if (f.isDirectory()) {
            throw new GuestFileException(t.shown(), Errno.EISDIR);
        }
        if (f.type() != FileType.REGULAR) {
            throw new IOException(t.shown() + ": not a regular file");
        }
        writer(f).replaceContent(f.inode(), exact(data, size, t.shown()), size);
    }

    /** {@link #writeFile} of bytes in memory. */
    public void writeFile(byte[] path, byte[] content, Attributes forNew) throws IOException {
        writeFile(path, new ByteArrayInputStream(content), content.length, forNew);
    }

    /**
     * A regular file at {@code path} with exactly these contents and attributes, as tar extracts one: a final symlink
     * is not followed but replaced; an existing regular file with one link keeps its inode (contents replaced, then
     * mode, owner and times set); anything else that is not a directory is replaced by a new file through a rename.
     */
    public void putFile(byte[] path, InputStream data, long size, Attributes attributes) throws IOException {
        Target t = target(path);
        if (t.name() == null) {
            throw new GuestFileException(t.shown(), Errno.EISDIR);
        }
        GuestFile old = t.existing();
        if (old == null) {
            writer(t.parent()).createFile(t.parent().inode(), t.name(), attributes, exact(data, size, t.shown()),
                    size);
            return;
        }
        if (old.isDirectory()) {
            throw new GuestFileException(t.shown(), Errno.EISDIR);
        }
        WritableFileSystem w = writer(t.parent());
        if (old.type() == FileType.REGULAR && old.stat().nlink() == 1) {
            w.replaceContent(old.inode(), exact(data, size, t.shown()), size);
            setAttributes(w, old.inode(), attributes);
            return;
        }
        byte[] tmp = temporaryName(t.parent());
        w.createFile(t.parent().inode(), tmp, attributes, exact(data, size, t.shown()), size);
        w.rename(t.parent().inode(), tmp, t.parent().inode(), t.name());
    }

    /** ln -s: a symlink at {@code path} to {@code target}; EEXIST when the name exists. */
    public void symlink(byte[] target, byte[] path, Attributes attributes) throws IOException {
        Target t = target(path);
        if (t.existing() != null || t.name() == null) {
            throw new GuestFileException(t.shown(), Errno.EEXIST);
        }
        writer(t.parent()).symlink(t.parent().inode(), t.name(), target, attributes);
    }

    /** A symlink at {@code path}, replacing whatever non-directory is there (as tar does), through a rename. */
    public void putSymlink(byte[] target, byte[] path, Attributes attributes) throws IOException {
        Target t = target(path);
        if (t.name() == null || t.existing() != null && t.existing().isDirectory()) {
            throw new GuestFileException(t.shown(), Errno.EEXIST);
        }
        WritableFileSystem w = writer(t.parent());
        if (t.existing() == null) {
            w.symlink(t.parent().inode(), t.name(), target, attributes);
            return;
        }
        byte[] tmp = temporaryName(t.parent());
        w.symlink(t.parent().inode(), tmp, target, attributes);
        w.rename(t.parent().inode(), tmp, t.parent().inode(), t.name());
    }

    /**
     * ln: a new name {@code path} for the file at {@code existingPath} (not followed, as link(2) does on Linux).
     * EEXIST when the name exists unless {@code replace}, EPERM for a directory, EXDEV across filesystems.
     */
    public void link(byte[] existingPath, byte[] path, boolean replace) throws IOException {
        GuestFile src = mounts.lstat(existingPath);
        Target t = target(path);
        if (src.isDirectory()) {
            throw new GuestFileException(new String(existingPath, StandardCharsets.UTF_8), Errno.EPERM);
        }
        if (t.name() == null || t.existing() != null && (!replace || t.existing().isDirectory())) {
            throw new GuestFileException(t.shown(), Errno.EEXIST);
        }
        if (src.mount() != t.parent().mount()) {
            throw new GuestFileException(t.shown(), Errno.EXDEV);
        }
        WritableFileSystem w = writer(t.parent());
        if (t.existing() != null) {
            if (t.existing().inode() == src.inode()) {
                return;  // already that file
            }
            byte[] tmp = temporaryName(t.parent());
            w.link(t.parent().inode(), tmp, src.inode());
            w.rename(t.parent().inode(), tmp, t.parent().inode(), t.name());
            return;
        }
        w.link(t.parent().inode(), t.name(), src.inode());
    }

    /** mknod: a FIFO, socket or device node; with {@code replace}, whatever non-directory is there goes first. */
    public void mknod(byte[] path, FileType type, long major, long minor, Attributes attributes, boolean replace)
            throws IOException {
        Target t = target(path);
        if (t.name() == null || t.existing() != null && (!replace || t.existing().isDirectory())) {
            throw new GuestFileException(t.shown(), Errno.EEXIST);
        }
        WritableFileSystem w = writer(t.parent());
        if (t.existing() == null) {
            w.mknod(t.parent().inode(), t.name(), type, major, minor, attributes);
            return;
        }
        byte[] tmp = temporaryName(t.parent());
        w.mknod(t.parent().inode(), tmp, type, major, minor, attributes);
        w.rename(t.parent().inode(), tmp, t.parent().inode(), t.name());
    }

    // ---- removing names --------------------------------------------------------------------------------------

    /**
     * rm: removes the name {@code path} (a final symlink itself, never its target). A directory needs
     * {@code recursive} (EISDIR otherwise) and is emptied depth first; a mount point, or a directory with one
     * below it, is EBUSY. A missing path is ENOENT unless {@code force}. Returns false when nothing was there.
     */
    public boolean remove(byte[] path, boolean recursive, boolean force) throws IOException {
        Target t;
        try {
            t = target(path);
        } catch (GuestFileException e) {
            if (force && (e.errno() == Errno.ENOENT || e.errno() == Errno.ENOTDIR)) {
                return false;
            }
            throw e;
        }
        if (t.name() == null) {
            throw new IOException(t.shown() + ": refusing to remove '.', '..' or '/'");
        }
        if (t.existing() == null) {
            if (force) {
                return false;
            }
            throw new GuestFileException(t.shown(), Errno.ENOENT);
        }
        GuestFile f = t.existing();
        if (f.isDirectory()) {
            if (!recursive) {
                throw new GuestFileException(t.shown(), Errno.EISDIR);
            }
            if (mounts.isMountPoint(f)) {
                throw new GuestFileException(t.shown(), Errno.EBUSY);
            }
            emptyDirectory(f, 0);
            writer(t.parent()).rmdir(t.parent().inode(), t.name());
        } else {
            writer(t.parent()).unlink(t.parent().inode(), t.name());
        }
        return true;
    }

    /** rmdir: removes an empty directory. */
    public void rmdir(byte[] path) throws IOException {
        Target t = target(path);
        if (t.name() == null) {
            throw new GuestFileException(t.shown(), Errno.EBUSY);
        }
        if (t.existing() == null) {
            throw new GuestFileException(t.shown(), Errno.ENOENT);
        }
        if (!t.existing().isDirectory()) {
            throw new GuestFileException(t.shown(), Errno.ENOTDIR);
        }
        if (mounts.isMountPoint(t.existing())) {
            throw new GuestFileException(t.shown(), Errno.EBUSY);
        }
        if (!mounts.list(t.existing()).isEmpty()) {
            throw new GuestFileException(t.shown(), Errno.ENOTEMPTY);
        }
        writer(t.parent()).rmdir(t.parent().inode(), t.name());
    }

    private void emptyDirectory(GuestFile dir, int depth) throws IOException {
        if (depth > TreeWalk.MAX_DEPTH) {
            throw new IOException(dir.pathString() + ": deeper than " + TreeWalk.MAX_DEPTH + " levels, not removed");
        }
        WritableFileSystem w = writer(dir);
        for (Mounts.Child c : mounts.list(dir)) {
            GuestFile f = c.file();
            if (f.isDirectory()) {
                if (mounts.isMountPoint(f)) {
                    throw new GuestFileException(f.pathString(), Errno.EBUSY);
                }
                emptyDirectory(f, depth + 1);
                w.rmdir(dir.inode(), c.name());
            } else {
                w.unlink(dir.inode(), c.name());
            }
        }
    }

    // ---- changing existing files (final symlinks followed) ---------------------------------------------------

    /** truncate: a regular file's new size (a hole when it grows). */
    public void truncate(byte[] path, long size) throws IOException {
        GuestFile f = mounts.stat(path);
        if (f.isDirectory()) {
            throw new GuestFileException(f.pathString(), Errno.EISDIR);
        }
        if (f.type() != FileType.REGULAR) {
            throw new GuestFileException(f.pathString(), Errno.EINVAL);
        }
        writer(f).truncate(f.inode(), size);
    }

    /** chmod: the permission bits (07777) of the file {@code path} names, symlinks followed. */
    public void chmod(byte[] path, int permissions) throws IOException {
        GuestFile f = mounts.stat(path);
        writer(f).chmod(f.inode(), permissions & 07777);
    }

    /** chown: owner and group (-1 keeps either) of the file {@code path} names, symlinks followed. */
    public void chown(byte[] path, long uid, long gid) throws IOException {
        GuestFile f = mounts.stat(path);
        writer(f).chown(f.inode(), uid, gid);
    }

    /** touch: sets the access and modification times to now, creating an empty file ({@code FILE_MODE}) if needed. */
    public void touch(byte[] path) throws IOException {
        Target t = followedTarget(path);
        Instant now = Instant.now();
        if (t.existing() == null && t.name() != null) {
            writer(t.parent()).createFile(t.parent().inode(), t.name(), Attributes.of(FILE_MODE),
                    InputStream.nullInputStream(), 0);
            return;
        }
        GuestFile f = t.existing();
        writer(f).setTimes(f.inode(), now, now);
    }

    /** Sets mode, owner and times of an inode to {@code a}. */
    static void setAttributes(WritableFileSystem w, long inode, Attributes a) throws IOException {
        w.chmod(inode, a.permissions());
        w.chown(inode, a.uid(), a.gid());
        w.setTimes(inode, a.atime(), a.mtime());
    }

    /** Sets mode, owner and times of the file {@code path} names (not followed). */
    public void setAttributes(byte[] path, Attributes a) throws IOException {
        GuestFile f = mounts.lstat(path);
        WritableFileSystem w = writer(f);
        if (f.type() != FileType.SYMLINK) {
            w.chmod(f.inode(), a.permissions());
        }
        w.chown(f.inode(), a.uid(), a.gid());
        w.setTimes(f.inode(), a.atime(), a.mtime());
    }

    // ---- helpers ---------------------------------------------------------------------------------------------

    /** A name not in {@code dir}, for a file renamed over another once complete. */
    private byte[] temporaryName(GuestFile dir) throws IOException {
        for (int i = 0; i < 100; i++) {
            byte[] r = new byte[6];
            RANDOM.nextBytes(r);
            byte[] name = (".platter-" + HexFormat.of().formatHex(r)).getBytes(StandardCharsets.US_ASCII);
            if (dir.fs().lookup(dir.inode(), name) == null) {
                return name;
            }
        }
        throw new IOException(dir.pathString() + ": no free temporary name");
    }

    /** {@code data} cut at {@code size} bytes; ends early with an error, never short. */
    static InputStream exact(InputStream data, long size, String what) {
        return new InputStream() {
            private long left = size;

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                int n = read(one, 0, 1);
                return n < 0 ? -1 : one[0] & 0xFF;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (left == 0) {
                    return -1;
                }
                int n = data.read(b, off, (int) Math.min(len, left));
                if (n < 0) {
                    throw new IOException(what + ": the data ended " + left + " bytes short of " + size
                            + " (the source shrank while it was copied?)");
                }
                left -= n;
                return n;
            }
        };
    }

    /** The components of a path, empty ones dropped. */
    public static List<byte[]> components(byte[] path) {
        List<byte[]> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= path.length; i++) {
            if (i == path.length || path[i] == '/') {
                if (i > start) {
                    out.add(Arrays.copyOfRange(path, start, i));
                }
                start = i + 1;
            }
        }
        return out;
    }

    private static byte[] parentOf(List<byte[]> parts) {
        byte[] p = new byte[] {'/'};
        for (int i = 0; i < parts.size() - 1; i++) {
            p = Mounts.child(p, parts.get(i));
        }
        return p;
    }

    static boolean isDot(byte[] c) {
        return c.length == 1 && c[0] == '.';
    }

    static boolean isDotDot(byte[] c) {
        return c.length == 2 && c[0] == '.' && c[1] == '.';
    }

    /** The UTF-8 bytes of a path given as text. */
    public static byte[] bytes(String path) {
        return path.getBytes(StandardCharsets.UTF_8);
    }
}
