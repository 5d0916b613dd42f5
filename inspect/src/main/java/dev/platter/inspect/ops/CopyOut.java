package dev.platter.inspect.ops;

import dev.platter.core.BlockDevice;
import dev.platter.core.Extent;
import dev.platter.inspect.fs.FileStat;
import dev.platter.inspect.fs.FileType;
import dev.platter.inspect.guest.GuestFile;
import dev.platter.inspect.guest.Mounts;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Copies files and directory trees out of a mounted guest into a host directory, like virt-copy-out: a regular
 * file to LOCALDIR/NAME, a directory recursively to LOCALDIR/NAME (the root's contents straight into LOCALDIR).
 * Modes and times are kept (owners too when running as root, as tar does), symlinks are created as symlinks with
 * their stored target byte for byte, holes stay holes. Device nodes, FIFOs and sockets are skipped with a warning,
 * and hard links become separate copies.
 *
 * <p>Nothing is ever written outside LOCALDIR: every name is checked (no '/', no "." or ".."), every file is
 * created with O_CREAT|O_EXCL and O_NOFOLLOW, and every directory descended into below LOCALDIR is one this copy
 * created or an existing real directory (never a symlink, which could lead anywhere). Guest symlinks are created,
 * never followed. Directory cycles and absurd depths in a damaged guest stop with a warning (the walk is
 * {@link TreeWalk}'s).
 */
public final class CopyOut {
    private static final int CHUNK = 1 << 20;

    private final Mounts mounts;
    private final boolean keepOwners;
    private final List<String> warnings = new ArrayList<>();
    /** What this copy wrote: a second guest entry of the same name (a damaged directory) never replaces it. */
    private final Set<Path> written = new HashSet<>();

    /**
     * @param keepOwners set the guest's uid and gid on what is written (needs root, as with tar)
     */
    public CopyOut(Mounts mounts, boolean keepOwners) {
        this.mounts = mounts;
        this.keepOwners = keepOwners;
    }

    /** What was skipped or changed on the way (special files, escaped names, cycles ...). */
    public List<String> warnings() {
        return warnings;
    }

    /** Copies guest path {@code remote} into the existing host directory {@code localDir}. */
    public void copy(String remote, Path localDir) throws IOException {
        if (!Files.isDirectory(localDir)) {
            throw new IOException("target '" + localDir + "' is not a directory");
        }
        GuestFile f = mounts.lstat(remote);
        byte[] base = basename(remote.getBytes(StandardCharsets.UTF_8));
        if (f.type() == FileType.REGULAR) {
            Path dest = child(localDir, base);
            replaceableFile(dest);
            copyFile(f, dest);
        } else if (f.type() == FileType.DIRECTORY) {
            Path dest = base.length == 0 ? localDir : child(localDir, base);
            directory(dest);
            int seen = mounts.warnings().size();
            try {
                new TreeWalk<Path>(mounts, TreeWalk.Order.ON_DISK, warnings::add).walk(f, dest, new Copier());
            } finally {
                warnings.addAll(mounts.warnings().subList(seen, mounts.warnings().size())); // entries skipped
            }
            attributes(dest, f.stat(), false);
        } else {
            throw new IOException("'" + remote + "' is not a file or directory");
        }
    }

    /** Copies each entry into the host folder of its directory (the walk's context). */
    private final class Copier implements TreeWalk.Visitor<Path> {
        @Override
        public Path visit(Path hostDir, TreeWalk.Entry entry) throws IOException {
            GuestFile f = entry.file();
            Path dest;
            try {
                dest = child(hostDir, entry.name());
            } catch (IOException e) {
                warnings.add(e.getMessage());
                return null;
            }
            switch (f.type()) {
                case DIRECTORY -> {
                    if (entry.seenBefore()) {
                        return null; // the walk said so in a warning
                    }
                    if (written.contains(dest)) {
                        throw new FileAlreadyExistsException(dest.toString());
                    }
                    directory(dest);
                    written.add(dest);
                    return dest;
                }
                case REGULAR -> {
                    replaceStale(dest);
                    copyFile(f, dest);
                }
                case SYMLINK -> {
                    byte[] target = mounts.readlink(f);
                    replaceStale(dest);
                    NativeSymlink.create(dest, target, linkTarget(target));
                    written.add(dest);
                    attributes(dest, f.stat(), true);
                }
                default -> warnings.add(f.pathString() + ": " + f.type().name().toLowerCase().replace('_', ' ')
                        + " not copied");
            }
            return null;
        }

        @Override
        public void leave(Path dest, TreeWalk.Entry directory) throws IOException {
            attributes(dest, directory.file().stat(), false);
        }

        @Override
        public void failed(TreeWalk.Entry entry, IOException e) {
            if (e instanceof FileAlreadyExistsException exists) {
                warnings.add(entry.file().pathString() + ": " + exists.getFile() + " already exists (a duplicate "
                        + "name in the guest directory?), not overwritten");
            } else {
                warnings.add(entry.file().pathString() + ": " + e.getMessage());
            }
        }
    }

    /** The host path of guest name {@code name} inside {@code dir}, refusing names that could leave it. */
    private Path child(Path dir, byte[] name) throws IOException {
        if (!Mounts.isValidName(name)) {
            throw new IOException("refusing to write a file named '" + HostNames.escaped(name) + "'");
        }
        String host = HostNames.of(name);
        if (HostNames.needsEscape(name)) {
            warnings.add("'" + HostNames.escaped(name) + "' cannot be named exactly on this host: written as '"
                    + host + "'");
        }
        Path p = dir.resolve(host);
        if (!dir.equals(p.getParent()) || !p.getFileName().toString().equals(host)) {
            throw new IOException("refusing to write a file named '" + HostNames.escaped(name) + "'");
        }
        return p;
    }

    /**
     * Before a file or symlink is written where something already is: a file or symlink left by an earlier copy is
     * removed (never followed), as tar replaces it; one this copy wrote (a duplicate guest name) is kept.
     */
    private void replaceStale(Path p) throws IOException {
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (written.contains(p)) {
            throw new FileAlreadyExistsException(p.toString());
        }
        if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) || Files.isSymbolicLink(p)) {
            Files.delete(p);
        } else {
            throw new IOException(p + " exists and is not a regular file");
        }
    }

    /** Makes {@code p} a directory, or accepts it when it already is a real one (never a symlink to one). */
    private static void directory(Path p) throws IOException {
        if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException(p + " exists and is not a directory (a symlink is never followed)");
        }
        Files.createDirectory(p);
    }

    /** For a single file copied to an existing name: only a regular file may be replaced. */
    private static void replaceableFile(Path p) throws IOException {
        if (Files.isSymbolicLink(p)) {
            throw new IOException(p + " is a symbolic link: not followed, not replaced");
        }
        if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
            Files.delete(p);
        } else if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException(p + " exists and is not a regular file");
        }
    }

    /** Writes a regular file's data runs only, so that its holes (and unwritten extents) stay holes. */
    private void copyFile(GuestFile f, Path dest) throws IOException {
        long size = f.stat().size();
        try (BlockDevice src = mounts.open(f);
             FileChannel out = FileChannel.open(dest, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                     LinkOption.NOFOLLOW_LINKS)) {
            ByteBuffer buf = ByteBuffer.allocate((int) Math.min(CHUNK, Math.max(size, 1)));
            for (long pos = 0; pos < src.size(); ) {
                Extent e = src.mapping(pos, Long.MAX_VALUE);
                if (e.status() == Extent.Status.DATA) {
                    for (long p = e.start(); p < e.end(); ) {
                        int n = (int) Math.min(buf.capacity(), e.end() - p);
                        buf.clear().limit(n);
                        src.read(p, buf);
                        buf.flip();
                        while (buf.hasRemaining()) {
                            out.write(buf, p + buf.position());
                        }
                        p += n;
                    }
                }
                pos = e.end();
            }
        }
        written.add(dest);
        if (Files.size(dest) < size) {
            if (!Files.isRegularFile(dest, LinkOption.NOFOLLOW_LINKS)) {
                throw new IOException(dest + " changed under the copy");
            }
            try (RandomAccessFile raf = new RandomAccessFile(dest.toFile(), "rw")) {
                raf.setLength(size);  // extends with a hole
            }
        }
        attributes(dest, f.stat(), false);
    }

    private void attributes(Path p, FileStat st, boolean symlink) throws IOException {
        if (keepOwners) {
            try {
                Files.setAttribute(p, "unix:uid", (int) st.uid(), LinkOption.NOFOLLOW_LINKS);
                Files.setAttribute(p, "unix:gid", (int) st.gid(), LinkOption.NOFOLLOW_LINKS);
            } catch (UnsupportedOperationException | IOException e) {
                warnings.add(p + ": owner not kept: " + e.getMessage());
            }
        }
        if (!symlink) {
            try {
                Files.setAttribute(p, "unix:mode", st.permissions(), LinkOption.NOFOLLOW_LINKS);
            } catch (UnsupportedOperationException e) {
                Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString(
                        rwx(st.permissions())));
            }
        }
        FileTime mtime = st.mtime() == null ? null : FileTime.from(st.mtime());
        FileTime atime = st.atime() == null ? null : FileTime.from(st.atime());
        try {
            Files.getFileAttributeView(p, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                    .setTimes(mtime, atime, null);
        } catch (IOException e) {
            if (!symlink) {
                throw e;
            }
        }
    }

    private static String rwx(int mode) {
        StringBuilder sb = new StringBuilder();
        String letters = "rwxrwxrwx";
        for (int i = 0; i < 9; i++) {
            sb.append((mode & (0400 >> i)) != 0 ? letters.charAt(i) : '-');
        }
        return sb.toString();
    }

    private static String linkTarget(byte[] target) {
        StringBuilder sb = new StringBuilder();
        List<byte[]> parts = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= target.length; i++) {
            if (i == target.length || target[i] == '/') {
                parts.add(java.util.Arrays.copyOfRange(target, start, i));
                start = i + 1;
            }
        }
        for (int i = 0; i < parts.size(); i++) {
            if (i > 0) {
                sb.append('/');
            }
            byte[] p = parts.get(i);
            sb.append(p.length == 0 ? "" : HostNames.of(p));
        }
        return sb.toString();
    }

    /** The last component of a guest path ("" for "/"), one trailing slash ignored. */
    static byte[] basename(byte[] path) {
        int end = path.length;
        if (end >= 2 && path[end - 1] == '/') {
            end--;
        }
        int slash = -1;
        for (int i = end - 1; i >= 0; i--) {
            if (path[i] == '/') {
                slash = i;
                break;
            }
        }
        return java.util.Arrays.copyOfRange(path, slash + 1, end);
    }
}
