package dev.platter.cli.guest;

import dev.platter.cli.CliException;
import dev.platter.cli.output.ByteLine;
import dev.platter.cli.output.HumanSize;
import dev.platter.cli.output.LsLong;
import dev.platter.cli.output.Stdout;
import dev.platter.core.BlockDevice;
import dev.platter.inspect.fs.FileStat;
import dev.platter.inspect.fs.FileType;
import dev.platter.inspect.guest.Guest;
import dev.platter.inspect.guest.GuestDevice;
import dev.platter.inspect.guest.GuestFile;
import dev.platter.inspect.guest.Mounts;
import dev.platter.inspect.ops.Checksums;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * {@code platter ls}: virt-ls. Plain: the names in a directory, sorted. {@code -l}: GNU {@code ls -la} of it.
 * {@code -R}: every path below it, sorted. {@code -lR}: one line per file with type, mode, size and optional
 * owners, times, extra stats and checksums, in virt-ls's columns (CSV with {@code --csv}).
 */
@Command(name = "ls", sortOptions = false, description = "List files in a guest (like virt-ls).")
public final class LsCommand implements Callable<Integer> {
    private static final int MAX_DEPTH = 2048;

    @Spec
    CommandSpec spec;

    @Mixin
    GuestArgs guest;

    @Option(names = {"-l", "--long"}, description = "Long listing.")
    boolean longMode;

    @Option(names = {"-R", "--recursive"}, description = "Recursive listing.")
    boolean recursive;

    @Option(names = {"-h", "--human-readable"}, description = "Human-readable sizes (with -lR).")
    boolean human;

    @Option(names = "--csv", description = "Comma-Separated Values output (with -lR).")
    boolean csv;

    @Option(names = {"--checksum", "--checksums"}, arity = "0..1", fallbackValue = "md5", paramLabel = "TYPE",
            parameterConsumer = ChecksumType.class,
            description = "Display checksums of regular files (crc, md5, sha1, sha224, sha256, sha384, sha512; "
                    + "default md5) (with -lR).")
    String checksum;

    @Option(names = {"--uid", "--uids"}, description = "Display UID, GID (with -lR).")
    boolean uids;

    @Option(names = {"--time", "--times"}, description = "Display file times (with -lR).")
    boolean times;

    @Option(names = "--time-t", description = "Display file times as time_t's (with -lR).")
    boolean timeT;

    @Option(names = "--time-relative", description = "Display file times as seconds before now (with -lR).")
    boolean timeRelative;

    @Option(names = "--time-days", description = "Display file times as days before now (with -lR).")
    boolean timeDays;

    @Option(names = {"--extra-stat", "--extra-stats"}, description = "Display extra stats (with -lR).")
    boolean extraStats;

    @Option(names = "--help", usageHelp = true, description = "Show this help.")
    boolean help;

    @Parameters(paramLabel = "DIR", arity = "1..*", description = "Directories to list.")
    List<String> dirs;

    private final Instant now = Instant.now();
    private Mounts mounts;
    private Guest g;
    private OutputStream out;

    @Override
    public Integer call() throws Exception {
        boolean enableTimes = times || timeT || timeRelative || timeDays;
        if (!(longMode && recursive) && (csv || human || uids || enableTimes || extraStats || checksum != null)) {
            throw new CliException("used a flag which can only be combined with -lR mode");
        }
        if (human && csv) {
            throw new CliException("you cannot use -h and --csv options together.");
        }
        if (checksum != null && !Checksums.isSupported(checksum)) {
            throw new CliException("unknown checksum type '" + checksum + "'");
        }
        PrintWriter err = spec.commandLine().getErr();
        int errors = 0;
        out = Stdout.bytes();
        try (Guest guestHandle = guest.open()) {
            g = guestHandle;
            mounts = guest.mount(g, err);
            int seen = mounts.warnings().size();
            for (String dir : dirs) {
                try {
                    if (longMode && recursive) {
                        longRecursive(dir);
                    } else if (longMode) {
                        lsLa(dir);
                    } else if (recursive) {
                        find(dir);
                    } else {
                        names(dir);
                    }
                } catch (IOException e) {
                    out.flush();
                    err.println("platter: " + e.getMessage());
                    errors++;
                }
            }
            out.flush();
            for (String w : mounts.warnings().subList(seen, mounts.warnings().size())) {
                err.println("platter: warning: " + w);
            }
            guest.printWarnings(g, err);
        }
        return errors == 0 ? 0 : 1;
    }

    /** guestfs_ls: the names in the directory, "." and ".." left out, sorted as strcmp sorts. */
    private List<Mounts.Child> sortedChildren(GuestFile dir) throws IOException {
        List<Mounts.Child> children = new ArrayList<>(mounts.list(dir));
        children.sort((a, b) -> Arrays.compareUnsigned(a.name(), b.name()));
        return children;
    }

    private void names(String dir) throws IOException {
        for (Mounts.Child c : sortedChildren(mounts.stat(dir))) {
            new ByteLine().bytes(c.name()).ch('\n').writeTo(out);
        }
    }

    /** GNU ls -la of the directory (realpath first, as libguestfs does). */
    private void lsLa(String path) throws IOException {
        GuestFile f = mounts.stat(path);
        if (!f.isDirectory()) {
            out.write(LsLong.format(List.of(new LsLong.Entry(lastName(f.path()), f.stat(), null)), false, now));
            return;
        }
        List<LsLong.Entry> entries = new ArrayList<>();
        entries.add(new LsLong.Entry(new byte[] {'.'}, f.stat(), null, accessMark(f)));
        GuestFile parent = f.path().length == 1 ? f : mounts.stat(parentPath(f.path()));
        entries.add(new LsLong.Entry(new byte[] {'.', '.'}, parent.stat(), null, accessMark(parent)));
        for (Mounts.Child c : sortedChildren(f)) {
            byte[] target = c.file().type() == FileType.SYMLINK ? mounts.readlink(c.file()) : null;
            entries.add(new LsLong.Entry(c.name(), c.file().stat(), target, accessMark(c.file())));
        }
        out.write(LsLong.format(entries, true, now));
    }

    /**
     * GNU ls's mark after the mode: '+' when the file has an ACL beyond its mode bits (an access ACL with more than
     * the three base entries, or a directory's default ACL), else '.' when it has an SELinux label, else none.
     * Symlinks are not marked (ls -l does not follow them to read the label of the link itself in the appliance).
     */
    private static char accessMark(GuestFile f) throws IOException {
        if (f.type() == FileType.SYMLINK) {
            return 0;
        }
        java.util.Map<String, byte[]> xattrs = f.fs().xattrs(f.inode());
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
    private void find(String dir) throws IOException {
        GuestFile top = mounts.stat(dir);
        if (!top.isDirectory()) {
            throw new IOException(dir + ": Not a directory");
        }
        List<byte[]> paths = new ArrayList<>();
        Set<String> visited = new HashSet<>();
        visited.add(key(top));
        collect(top, new byte[0], paths, visited, 0);
        paths.sort(Arrays::compareUnsigned);
        int cut = dir.endsWith("/") ? 1 : 0;
        for (byte[] p : paths) {
            new ByteLine().bytes(Arrays.copyOfRange(p, cut, p.length)).ch('\n').writeTo(out);
        }
    }

    private void collect(GuestFile dir, byte[] rel, List<byte[]> paths, Set<String> visited, int depth)
            throws IOException {
        if (depth > MAX_DEPTH) {
            return;
        }
        for (Mounts.Child c : mounts.list(dir)) {
            byte[] p = Mounts.child(rel.length == 0 ? new byte[] {'/'} : rel, c.name());
            paths.add(p);
            if (c.file().isDirectory() && visited.add(key(c.file()))) {
                collect(c.file(), p, paths, visited, depth + 1);
            }
        }
    }

    /** virt-ls -lR: the directory itself (lstat), then each entry in sorted order, recursing into directories. */
    private void longRecursive(String dir) throws IOException {
        byte[] top = dir.getBytes(StandardCharsets.UTF_8);
        int len = top.length;
        if (len > 1 && top[len - 1] == '/') {
            top = Arrays.copyOf(top, len - 1);
        }
        GuestFile self = mounts.lstat(dir);
        show(self, top);
        GuestFile target = self.type() == FileType.SYMLINK ? mounts.stat(dir) : self;
        Set<String> visited = new HashSet<>();
        visited.add(key(target));
        visit(target, top, visited, 0);
    }

    private void visit(GuestFile dir, byte[] path, Set<String> visited, int depth) throws IOException {
        if (depth > MAX_DEPTH) {
            return;
        }
        for (Mounts.Child c : sortedChildren(dir)) {
            byte[] p = path.length == 1 && path[0] == '/' ? Mounts.child(path, c.name())
                    : concat(path, (byte) '/', c.name());
            show(c.file(), p);
            if (c.file().isDirectory() && visited.add(key(c.file()))) {
                visit(c.file(), p, visited, depth + 1);
            }
        }
    }

    private void show(GuestFile f, byte[] path) throws IOException {
        FileStat s = f.stat();
        char sep = csv ? ',' : ' ';
        ByteLine l = new ByteLine();
        l.ch(switch (s.type()) {
            case REGULAR -> '-';
            case DIRECTORY -> 'd';
            case CHAR_DEVICE -> 'c';
            case BLOCK_DEVICE -> 'b';
            case FIFO -> 'p';
            case SYMLINK -> 'l';
            case SOCKET -> 's';
            default -> 'u';
        });
        l.ch(sep).text(String.format("%04o", s.permissions()));
        String size = human ? HumanSize.of(s.size()) : Long.toString(s.size());
        l.ch(sep).text(csv ? size : String.format("%10s", size));
        if (uids) {
            l.ch(sep).text(String.format("%4d", s.uid())).ch(sep).text(String.format("%4d", s.gid()));
        }
        if (times || timeT || timeRelative || timeDays) {
            for (Instant t : new Instant[] {s.atime(), s.mtime(), s.ctime()}) {
                l.ch(sep).text(time(t));
            }
        }
        if (extraStats) {
            l.ch(sep).text(deviceNumber(f)).ch(sep).text(Long.toString(s.inode())).ch(sep)
                    .text(Long.toString(s.nlink())).ch(sep).text(s.rdevMajor() + ":" + s.rdevMinor()).ch(sep)
                    .text(Long.toString(s.blocks()));
        }
        if (checksum != null) {
            if (s.type() == FileType.REGULAR) {
                try (BlockDevice dev = mounts.open(f)) {
                    l.ch(sep).text(Checksums.of(checksum, dev));
                }
            } else if (csv) {
                l.ch(sep);
            }
        }
        l.ch(sep).bytes(csv ? ByteLine.csv(path) : path);
        if (s.type() == FileType.SYMLINK) {
            byte[] target = mounts.readlink(f);
            if (csv) {
                l.ch(sep).bytes(ByteLine.csv(target));
            } else {
                l.ch(sep).text("-> ").bytes(target);
            }
        }
        l.ch('\n').writeTo(out);
    }

    private String time(Instant t) {
        long secs = t == null ? 0 : t.getEpochSecond();
        if (timeRelative) {
            return String.format("%8d", now.getEpochSecond() - secs);
        }
        if (timeDays) {
            return String.format("%3d", (now.getEpochSecond() - secs) / 86400);
        }
        if (timeT) {
            return String.format("%10d", secs);
        }
        return DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss").withZone(ZoneId.systemDefault())
                .format(Instant.ofEpochSecond(secs));
    }

    /**
     * st_dev as the libguestfs appliance shows it: SCSI disks are major 8 with 16 minors per disk, LVs are
     * device-mapper devices (major 253) numbered in activation order (VG by VG, LVs in metadata order).
     */
    private String deviceNumber(GuestFile f) {
        GuestDevice d = f.mount().filesystem().device();
        return switch (d.kind()) {
            case DISK -> "8:" + 16 * d.disk().index();
            case PARTITION -> "8:" + (16 * d.disk().index() + d.partition().number());
            case LV -> "253:" + lvMinor(d);
        };
    }

    private int lvMinor(GuestDevice lv) {
        List<GuestDevice> order = new ArrayList<>();
        g.volumeGroups().stream().sorted((a, b) -> a.name().compareTo(b.name())).forEach(vg ->
                vg.logicalVolumes().forEach(l -> g.logicalVolumes().stream()
                        .filter(d -> d.logicalVolume() == l).forEach(order::add)));
        return order.indexOf(lv);
    }

    private static String key(GuestFile f) {
        return f.mount().path() + ":" + f.inode();
    }

    private static byte[] concat(byte[] a, byte sep, byte[] b) {
        byte[] r = Arrays.copyOf(a, a.length + 1 + b.length);
        r[a.length] = sep;
        System.arraycopy(b, 0, r, a.length + 1, b.length);
        return r;
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
