package dev.platter.inspect.ops;

import dev.platter.core.BlockDevice;
import dev.platter.inspect.fs.FileStat;
import dev.platter.inspect.fs.FileType;
import dev.platter.inspect.guest.Guest;
import dev.platter.inspect.guest.GuestDevice;
import dev.platter.inspect.guest.GuestFile;
import dev.platter.inspect.guest.Mounts;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What virt-ls lists, computed from a mounted guest; printing it is the caller's business. Four listings, as
 * libguestfs makes them:
 * <ul>
 *   <li>{@link #names}: guestfs_ls, the names in a directory sorted as strcmp sorts them;</li>
 *   <li>{@link #longListing}: what GNU {@code ls -la} shows of a directory (".", "..", then the sorted entries, each
 *       with its attributes, symlink target and access mark), or of a single file;</li>
 *   <li>{@link #find}: guestfs_find, every path below a directory, sorted, as virt-ls -R prints them;</li>
 *   <li>{@link #longRecursive}: virt-ls -lR, the directory itself and then every entry below it in sorted order,
 *       with what its columns need (the appliance's device number, the symlink target, a checksum).</li>
 * </ul>
 * Names and paths are bytes, as the guest stores them. The recursive listings walk the tree with {@link TreeWalk}.
 */
public final class Listings {
    /**
     * One line of {@code ls -la}.
     *
     * @param name       the name shown (bytes)
     * @param stat       its attributes
     * @param linkTarget a symlink's target, or null
     * @param accessMark GNU ls's mark after the mode: '+' for an ACL, '.' for an SELinux label, or 0 for neither
     */
    public record LongEntry(byte[] name, FileStat stat, byte[] linkTarget, char accessMark) {
    }

    /**
     * The {@code ls -la} of a path.
     *
     * @param directory true for a directory (GNU ls then prints a "total" line first)
     * @param entries   ".", "..", and the directory's entries sorted; or the one file
     */
    public record LongListing(boolean directory, List<LongEntry> entries) {
    }

    /**
     * One line of virt-ls -lR.
     *
     * @param path       the path as virt-ls prints it: the directory as typed (without a trailing slash), then
     *                   the names below it
     * @param file       the file (lstat: a symlink is not followed)
     * @param device     st_dev as the libguestfs appliance shows it ("8:1", "253:0")
     * @param linkTarget a symlink's target, or null
     * @param checksum   a regular file's checksum when one was asked for, else null
     */
    public record Row(byte[] path, GuestFile file, String device, byte[] linkTarget, String checksum) {
        public FileStat stat() {
            return file.stat();
        }
    }

    /** Receives the rows of {@link #longRecursive} as the walk meets them. */
    @FunctionalInterface
    public interface RowSink {
        void accept(Row row) throws IOException;
    }

    private final Mounts mounts;
    private final List<String> warnings = new ArrayList<>();
    private Map<GuestDevice, Integer> dmMinors;

    public Listings(Mounts mounts) {
        this.mounts = mounts;
    }

    /** Cycles and depth limits met by the recursive listings (skipped entries are in {@link Mounts#warnings()}). */
    public List<String> warnings() {
        return Collections.unmodifiableList(warnings);
    }

    /** guestfs_ls: the names in the directory, "." and ".." left out, sorted as strcmp sorts. */
    public List<byte[]> names(String dir) throws IOException {
        List<byte[]> out = new ArrayList<>();
        for (Mounts.Child c : sortedChildren(mounts.stat(dir))) {
            out.add(c.name());
        }
        return out;
    }

    private List<Mounts.Child> sortedChildren(GuestFile dir) throws IOException {
        List<Mounts.Child> children = new ArrayList<>(mounts.list(dir));
        children.sort((a, b) -> Arrays.compareUnsigned(a.name(), b.name()));
        return children;
    }

    /**
     * GNU {@code ls -la PATH} as the appliance runs it, after libguestfs's realpath: for a directory, "." and ".."
     * (the guest's root is its own parent) then the sorted entries with their symlink targets; for anything else,
     * the one file under its last name (symlinks followed).
     */
    public LongListing longListing(String path) throws IOException {
        GuestFile f = mounts.stat(path);
        if (!f.isDirectory()) {
            return new LongListing(false, List.of(new LongEntry(lastName(f.path()), f.stat(), null, (char) 0)));
        }
        List<LongEntry> entries = new ArrayList<>();
        entries.add(new LongEntry(new byte[] {'.'}, f.stat(), null, accessMark(f)));
        GuestFile parent = f.path().length == 1 ? f : mounts.stat(parentPath(f.path()));
        entries.add(new LongEntry(new byte[] {'.', '.'}, parent.stat(), null, accessMark(parent)));
        for (Mounts.Child c : sortedChildren(f)) {
            byte[] target = c.file().type() == FileType.SYMLINK ? mounts.readlink(c.file()) : null;
            entries.add(new LongEntry(c.name(), c.file().stat(), target, accessMark(c.file())));
        }
        return new LongListing(true, entries);
    }

    /**
     * GNU ls's mark after the mode: '+' when the file has an ACL beyond its mode bits (an access ACL with more than
     * the three base entries, or a directory's default ACL), else '.' when it has an SELinux label, else 0.
     * Symlinks are not marked (ls -l does not follow them to read the label of the link itself in the appliance).
     */
    public static char accessMark(GuestFile f) throws IOException {
        if (f.type() == FileType.SYMLINK) {
            return 0;
        }
        Map<String, byte[]> xattrs = f.fs().xattrs(f.inode());
        if (xattrs.isEmpty()) {
            return 0;
        }
        byte[] access = xattrs.get("system.posix_acl_access");
        // The xattr form: a 4-byte version, then 8 bytes per entry.
        if (access != null && access.length > 4 + 3 * 8) {
            return '+';
        }
        if (f.isDirectory() && xattrs.containsKey("system.posix_acl_default")) {
            return '+';
        }
        return xattrs.containsKey("security.selinux") ? '.' : 0;
    }

    /**
     * guestfs_find: every path below the directory, sorted as strcmp sorts, as find prints it with the directory's
     * name as typed cut off: {@code /data} under {@code /srv}, but {@code etc} under {@code /} or {@code data} under
     * {@code /srv/} (the cut takes the trailing slash too).
     */
    public List<byte[]> find(String dir) throws IOException {
        GuestFile top = mounts.stat(dir);
        if (!top.isDirectory()) {
            throw new IOException(dir + ": Not a directory");
        }
        List<byte[]> paths = new ArrayList<>();
        TreeWalk<byte[]> walk = new TreeWalk<>(mounts, TreeWalk.Order.ON_DISK, warnings::add);
        walk.walk(top, new byte[] {'/'}, (dirPath, e) -> {
            byte[] p = Mounts.child(dirPath, e.name());
            paths.add(p);
            return p;
        });
        paths.sort(Arrays::compareUnsigned);
        int cut = dir.endsWith("/") ? 1 : 0;
        List<byte[]> out = new ArrayList<>(paths.size());
        for (byte[] p : paths) {
            out.add(Arrays.copyOfRange(p, cut, p.length));
        }
        return out;
    }

    /**
     * virt-ls -lR: the directory itself (lstat), then each entry in sorted order, directories followed by what they
     * hold. A symlink given as the directory is listed as a symlink, and its target's entries follow; anything
     * else that is not a directory is listed, then ends in ENOTDIR.
     *
     * @param checksumType a {@link FileChecksums} type to compute for every regular file, or null
     */
    public void longRecursive(String dir, String checksumType, RowSink sink) throws IOException {
        byte[] top = dir.getBytes(StandardCharsets.UTF_8);
        int len = top.length;
        if (len > 1 && top[len - 1] == '/') {
            top = Arrays.copyOf(top, len - 1);
        }
        GuestFile self = mounts.lstat(dir);
        sink.accept(row(self, top, checksumType));
        GuestFile target = self.type() == FileType.SYMLINK ? mounts.stat(dir) : self;
        new TreeWalk<byte[]>(mounts, TreeWalk.Order.SORTED, warnings::add).walk(target, top, (dirPath, e) -> {
            byte[] p = Mounts.child(dirPath, e.name());
            sink.accept(row(e.file(), p, checksumType));
            return p;
        });
    }

    private Row row(GuestFile f, byte[] path, String checksumType) throws IOException {
        String checksum = null;
        if (checksumType != null && f.type() == FileType.REGULAR) {
            try (BlockDevice dev = mounts.open(f)) {
                checksum = FileChecksums.of(checksumType, dev);
            }
        }
        byte[] target = f.type() == FileType.SYMLINK ? mounts.readlink(f) : null;
        return new Row(path, f, deviceNumber(f), target, checksum);
    }

    /**
     * st_dev as the libguestfs appliance shows it: SCSI disks are major 8 with 16 minors per disk; LVs and opened
     * LUKS volumes are device-mapper devices (major 253) numbered in the order the appliance creates them
     * ({@link Guest#deviceMapperOrder()}).
     */
    public String deviceNumber(GuestFile f) {
        GuestDevice d = f.mount().detected().device();
        return switch (d.kind()) {
            case DISK -> "8:" + 16 * d.disk().index();
            case PARTITION -> "8:" + (16 * d.disk().index() + d.partition().number());
            case LV, MAPPED -> "253:" + dmMinor(d);
        };
    }

    private synchronized int dmMinor(GuestDevice dm) {
        if (dmMinors == null) {
            Map<GuestDevice, Integer> order = new HashMap<>();
            for (GuestDevice d : mounts.guest().deviceMapperOrder()) {
                order.putIfAbsent(d, order.size());
            }
            dmMinors = order;
        }
        return dmMinors.getOrDefault(dm, -1);
    }

    private static byte[] lastName(byte[] path) {
        int i = path.length - 1;
        while (i > 0 && path[i - 1] != '/') {
            i--;
        }
        return path.length == 1 ? path : Arrays.copyOfRange(path, i, path.length);
    }

    private static byte[] parentPath(byte[] path) {
        int i = path.length - 1;
        while (i > 0 && path[i] != '/') {
            i--;
        }
        return i == 0 ? new byte[] {'/'} : Arrays.copyOf(path, i);
    }
}
