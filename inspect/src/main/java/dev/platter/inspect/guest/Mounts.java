package dev.platter.inspect.guest;

import dev.platter.core.BlockDevice;
import dev.platter.inspect.fs.DirEntry;
import dev.platter.inspect.fs.FileStat;
import dev.platter.inspect.fs.FileType;
import dev.platter.inspect.fs.GuestFileSystem;
import dev.platter.inspect.fs.WritableFileSystem;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The guest's filesystems mounted at their mount points, and path lookups across them the way Linux walks a path:
 * component by component, "." and ".." handled on the real directories, mount points crossed, symbolic links
 * followed inside the guest (an absolute target starts again at the guest's root, never the host's), at most 40
 * links per lookup (ELOOP after that). Names are bytes; String paths are taken as UTF-8.
 */
public final class Mounts {
    /** Linux's MAXSYMLINKS. */
    public static final int MAX_SYMLINKS = 40;
    /** Longest path accepted (PATH_MAX). */
    public static final int MAX_PATH = 4096;

    /**
     * One mounted filesystem.
     *
     * @param path     its mount point, canonical ("/", "/boot")
     * @param detected the filesystem as found on its device (the device, type, label, UUID)
     */
    public record Mounted(String path, DetectedFilesystem detected) {
        /** The opened filesystem. */
        public GuestFileSystem fileSystem() {
            try {
                return detected.fileSystem();
            } catch (IOException e) {
                throw new IllegalStateException("a mounted filesystem is always readable", e);
            }
        }
    }

    /** A directory entry with the file it names (mount points already crossed). */
    public record Child(byte[] name, GuestFile file) {
        public String nameString() {
            return new String(name, StandardCharsets.UTF_8);
        }
    }

    private record Frame(byte[] name, Mounted mount, long inode, FileStat stat) {
    }

    private final Guest guest;
    private final Map<String, Mounted> byPath = new HashMap<>();
    private final List<Mounted> inOrder = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();
    private Frame root;

    Mounts(Guest guest) {
        this.guest = guest;
    }

    /** The guest these mounts belong to. */
    public Guest guest() {
        return guest;
    }

    /**
     * Mounts the filesystem on {@code device} (any name {@link Guest#canonicalDevice} accepts) at
     * {@code mountpoint}, which must be "/" first, then an existing directory of the tree mounted so far.
     */
    public void mount(String device, String mountpoint) throws IOException {
        DetectedFilesystem fs = guest.filesystem(device);
        if (fs == null) {
            throw new IOException(device + ": no such filesystem");
        }
        if (guest.isWritable() && fs.isMountable()) {
            try {
                fs.writableFileSystem();  // from now on read through the writer, which sees every write
            } catch (IOException e) {
                // Stays readable; a write into it fails naming the reason (writableFileSystem() says it again).
            }
        }
        GuestFileSystem gfs = fs.fileSystem();
        long rootInode = gfs.rootInode();
        FileStat rootStat = gfs.stat(rootInode);
        if (rootStat.type() != FileType.DIRECTORY) {
            throw new IOException(device + ": the root inode is not a directory");
        }
        if (mountpoint.equals("/")) {
            Mounted m = new Mounted("/", fs);
            root = new Frame(new byte[0], m, rootInode, rootStat);
            byPath.clear();
            inOrder.clear();
            inOrder.add(m);
            return;
        }
        if (root == null) {
            throw new IOException("mount " + device + " on " + mountpoint + ": nothing is mounted on / yet");
        }
        GuestFile dir = stat(mountpoint);
        if (!dir.isDirectory()) {
            throw new GuestFileException(mountpoint, Errno.ENOTDIR);
        }
        String key = new String(dir.path(), StandardCharsets.ISO_8859_1);
        Mounted m = new Mounted(dir.pathString(), fs);
        byPath.put(key, m);
        inOrder.add(m);
    }

    /** What is mounted, in mount order. */
    public List<Mounted> mounted() {
        return Collections.unmodifiableList(inOrder);
    }

    /** Problems met while mounting and listing (bad names in directories ...). */
    public List<String> warnings() {
        return Collections.unmodifiableList(warnings);
    }

    void warn(String warning) {
        warnings.add(warning);
    }

    /** The file at {@code path}, following a final symlink (stat). */
    public GuestFile stat(String path) throws IOException {
        return resolve(path.getBytes(StandardCharsets.UTF_8), true);
    }

    /** The file at {@code path} itself, even when it is a symlink (lstat). */
    public GuestFile lstat(String path) throws IOException {
        return resolve(path.getBytes(StandardCharsets.UTF_8), false);
    }

    public GuestFile stat(byte[] path) throws IOException {
        return resolve(path, true);
    }

    public GuestFile lstat(byte[] path) throws IOException {
        return resolve(path, false);
    }

    private GuestFile resolve(byte[] path, boolean followLast) throws IOException {
        String shown = new String(path, StandardCharsets.UTF_8);
        if (root == null) {
            throw new IOException("no filesystem is mounted on /");
        }
        if (path.length == 0 || path[0] != '/') {
            throw new IOException(shown + ": the path must start with a / character");
        }
        if (path.length > MAX_PATH) {
            throw new GuestFileException(shown, Errno.ENAMETOOLONG);
        }
        Deque<byte[]> todo = new ArrayDeque<>(components(path));
        List<Frame> stack = new ArrayList<>();
        stack.add(root);
        int links = 0;
        while (!todo.isEmpty()) {
            byte[] c = todo.pollFirst();
            if (isDot(c)) {
                continue;
            }
            if (isDotDot(c)) {
                if (stack.size() > 1) {
                    stack.remove(stack.size() - 1);
                }
                continue;
            }
            Frame cur = stack.get(stack.size() - 1);
            if (cur.stat.type() != FileType.DIRECTORY) {
                throw new GuestFileException(shown, Errno.ENOTDIR);
            }
            if (c.length > 255) {
                throw new GuestFileException(shown, Errno.ENAMETOOLONG);
            }
            GuestFileSystem fs = cur.mount.fileSystem();
            DirEntry e = fs.lookup(cur.inode, c);
            if (e == null) {
                throw new GuestFileException(shown, Errno.ENOENT);
            }
            FileStat st = fs.stat(e.inode());
            if (st.type() == FileType.SYMLINK && (followLast || !todo.isEmpty())) {
                if (++links > MAX_SYMLINKS) {
                    throw new GuestFileException(shown, Errno.ELOOP);
                }
                byte[] target = fs.readlink(e.inode());
                if (target.length == 0) {
                    throw new GuestFileException(shown, Errno.ENOENT);
                }
                List<byte[]> more = components(target);
                for (int i = more.size() - 1; i >= 0; i--) {
                    todo.addFirst(more.get(i));
                }
                if (target[0] == '/') {
                    stack.subList(1, stack.size()).clear();
                }
                continue;
            }
            stack.add(crossMount(stack, new Frame(c, cur.mount, e.inode(), st)));
        }
        Frame last = stack.get(stack.size() - 1);
        return new GuestFile(join(stack), last.mount, last.inode, last.stat);
    }

    /** The frame itself, or the root of what is mounted on it. */
    private Frame crossMount(List<Frame> parents, Frame f) throws IOException {
        if (byPath.isEmpty() || f.stat.type() != FileType.DIRECTORY) {
            return f;
        }
        List<Frame> all = new ArrayList<>(parents);
        all.add(f);
        Mounted m = byPath.get(new String(join(all), StandardCharsets.ISO_8859_1));
        if (m == null) {
            return f;
        }
        GuestFileSystem fs = m.fileSystem();
        return new Frame(f.name, m, fs.rootInode(), fs.stat(fs.rootInode()));
    }

    /**
     * The entries of a directory, in on-disk order, each with its file (lstat: symlinks not followed; mount points
     * crossed). Names no Linux filesystem can hold (empty, ".", "..", or containing '/' or NUL) are dropped with a
     * warning; so are entries whose inode cannot be read, and every entry after the first of the same name (a
     * damaged directory can hold a name twice: a walker must never produce one path for two files, such as a
     * symlink {@code X} and then {@code X/file} from a directory {@code X}).
     */
    public List<Child> list(GuestFile dir) throws IOException {
        if (!dir.isDirectory()) {
            throw new GuestFileException(dir.pathString(), Errno.ENOTDIR);
        }
        GuestFileSystem fs = dir.fs();
        List<DirEntry> entries = fs.list(dir.inode());
        List<Child> out = new ArrayList<>(entries.size());
        Set<String> names = new HashSet<>();
        for (DirEntry e : entries) {
            byte[] name = e.rawName();
            String where = dir.pathString() + (dir.path().length == 1 ? "" : "/") + e.name();
            if (!isValidName(name)) {
                if (!isDot(name) && !isDotDot(name)) {
                    warnings.add(dir.pathString() + ": skipped an entry whose name is not a valid file name ("
                            + printable(name) + ")");
                }
                continue;
            }
            if (!names.add(new String(name, StandardCharsets.ISO_8859_1))) {
                warnings.add(where + ": skipped a second entry of the same name (a damaged directory); the first "
                        + "is used");
                continue;
            }
            FileStat st;
            try {
                st = fs.stat(e.inode());
            } catch (IOException ex) {
                warnings.add(where + ": " + ex.getMessage());
                continue;
            }
            byte[] path = child(dir.path(), name);
            GuestFile f = new GuestFile(path, dir.mount(), e.inode(), st);
            if (st.type() == FileType.DIRECTORY) {
                Mounted m = byPath.get(new String(path, StandardCharsets.ISO_8859_1));
                if (m != null) {
                    GuestFileSystem mfs = m.fileSystem();
                    f = new GuestFile(path, m, mfs.rootInode(), mfs.stat(mfs.rootInode()));
                }
            }
            out.add(new Child(name, f));
        }
        return out;
    }

    /**
     * The writer of the filesystem holding {@code file}; fails naming the reason when the guest is read-only or that
     * filesystem cannot be written ({@link DetectedFilesystem#writableFileSystem()}).
     */
    public WritableFileSystem writable(GuestFile file) throws IOException {
        return file.mount().detected().writableFileSystem();
    }

    /** True when {@code dir} is the root of a mounted filesystem ("/" or a mount point). */
    public boolean isMountPoint(GuestFile dir) {
        if (dir.path().length == 1 && dir.path()[0] == '/') {
            return true;
        }
        return byPath.containsKey(new String(dir.path(), StandardCharsets.ISO_8859_1));
    }

    /** The target of a symbolic link, as stored. */
    public byte[] readlink(GuestFile link) throws IOException {
        if (link.type() != FileType.SYMLINK) {
            throw new GuestFileException(link.pathString(), Errno.EINVAL);
        }
        return link.fs().readlink(link.inode());
    }

    /** The contents of a regular file (its mapping keeps holes). */
    public BlockDevice open(GuestFile file) throws IOException {
        if (file.isDirectory()) {
            throw new GuestFileException(file.pathString(), Errno.EISDIR);
        }
        if (file.type() != FileType.REGULAR) {
            throw new IOException(file.pathString() + ": not a regular file");
        }
        return file.fs().open(file.inode());
    }

    /** A whole small regular file (following symlinks), or null when it is absent, not regular, or too big. */
    public byte[] readSmallFile(String path, int maxBytes) throws IOException {
        GuestFile f;
        try {
            f = stat(path);
        } catch (GuestFileException e) {
            return null;
        }
        if (f.type() != FileType.REGULAR || f.stat().size() > maxBytes) {
            return null;
        }
        try (BlockDevice dev = open(f)) {
            byte[] b = new byte[(int) dev.size()];
            dev.read(0, ByteBuffer.wrap(b));
            return b;
        }
    }

    /** The path of {@code name} inside directory {@code dir}. */
    public static byte[] child(byte[] dir, byte[] name) {
        boolean rootDir = dir.length == 1 && dir[0] == '/';
        byte[] out = new byte[dir.length + (rootDir ? 0 : 1) + name.length];
        System.arraycopy(dir, 0, out, 0, dir.length);
        int p = dir.length;
        if (!rootDir) {
            out[p++] = '/';
        }
        System.arraycopy(name, 0, out, p, name.length);
        return out;
    }

    /** True for names a directory entry may carry: not empty, ".", "..", and free of '/' and NUL. */
    public static boolean isValidName(byte[] name) {
        if (name.length == 0 || isDot(name) || isDotDot(name)) {
            return false;
        }
        for (byte b : name) {
            if (b == '/' || b == 0) {
                return false;
            }
        }
        return true;
    }

    private static String printable(byte[] name) {
        StringBuilder sb = new StringBuilder();
        for (byte b : name) {
            int c = b & 0xFF;
            sb.append(c >= 0x20 && c < 0x7F && c != '\\' ? String.valueOf((char) c) : String.format("\\x%02x", c));
        }
        return sb.toString();
    }

    private static boolean isDot(byte[] c) {
        return c.length == 1 && c[0] == '.';
    }

    private static boolean isDotDot(byte[] c) {
        return c.length == 2 && c[0] == '.' && c[1] == '.';
    }

    static List<byte[]> components(byte[] path) {
        List<byte[]> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= path.length; i++) {
            if (i == path.length || path[i] == '/') {
                if (i > start) {
                    out.add(java.util.Arrays.copyOfRange(path, start, i));
                }
                start = i + 1;
            }
        }
        return out;
    }

    private static byte[] join(List<Frame> stack) {
        if (stack.size() == 1) {
            return new byte[] {'/'};
        }
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (int i = 1; i < stack.size(); i++) {
            out.write('/');
            out.writeBytes(stack.get(i).name);
        }
        return out.toByteArray();
    }
}
