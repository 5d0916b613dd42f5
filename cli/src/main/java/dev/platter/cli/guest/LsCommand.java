package dev.platter.cli.guest;

import dev.platter.cli.CliException;
import dev.platter.cli.output.ByteLine;
import dev.platter.cli.output.HumanSize;
import dev.platter.cli.output.LsLong;
import dev.platter.cli.output.Stdout;
import dev.platter.inspect.fs.FileStat;
import dev.platter.inspect.guest.Guest;
import dev.platter.inspect.guest.Mounts;
import dev.platter.inspect.ops.FileChecksums;
import dev.platter.inspect.ops.Listings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code platter ls}: virt-ls. Plain: the names in a directory, sorted. {@code -l}: GNU {@code ls -la} of it.
 * {@code -R}: every path below it, sorted. {@code -lR}: one line per file with type, mode, size and optional
 * owners, times, extra stats and checksums, in virt-ls's columns (CSV with {@code --csv}).
 */
@Command(name = "ls", sortOptions = false, description = "List files in a guest (like virt-ls).")
public final class LsCommand implements Callable<Integer> {
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
    private Listings listings;
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
        if (checksum != null && !FileChecksums.isSupported(checksum)) {
            throw new CliException("unknown checksum type '" + checksum + "'");
        }
        PrintWriter err = spec.commandLine().getErr();
        int errors = 0;
        out = Stdout.bytes();
        try (Guest g = guest.open(true)) {
            Mounts mounts = guest.mount(g, err);
            listings = new Listings(mounts);
            int seen = mounts.warnings().size();
            for (String dir : dirs) {
                try {
                    if (longMode && recursive) {
                        listings.longRecursive(dir, checksum, this::show);
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
            for (String w : listings.warnings()) {
                err.println("platter: warning: " + w);
            }
            guest.printWarnings(g, err);
        }
        return errors == 0 ? 0 : 1;
    }

    private void names(String dir) throws IOException {
        for (byte[] name : listings.names(dir)) {
            new ByteLine().bytes(name).ch('\n').writeTo(out);
        }
    }

    /** GNU ls -la of the directory (realpath first, as libguestfs does). */
    private void lsLa(String path) throws IOException {
        Listings.LongListing l = listings.longListing(path);
        out.write(LsLong.format(l.entries(), l.directory(), now));
    }

    /** ls -R: guestfs_find's paths. */
    private void find(String dir) throws IOException {
        for (byte[] p : listings.find(dir)) {
            new ByteLine().bytes(p).ch('\n').writeTo(out);
        }
    }

    /** virt-ls -lR: one line per file, in virt-ls's columns. */
    private void show(Listings.Row row) throws IOException {
        FileStat s = row.stat();
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
            l.ch(sep).text(row.device()).ch(sep).text(Long.toString(s.inode())).ch(sep)
                    .text(Long.toString(s.nlink())).ch(sep).text(s.rdevMajor() + ":" + s.rdevMinor()).ch(sep)
                    .text(Long.toString(s.blocks()));
        }
        if (checksum != null) {
            if (row.checksum() != null) {
                l.ch(sep).text(row.checksum());
            } else if (csv) {
                l.ch(sep);
            }
        }
        byte[] path = row.path();
        l.ch(sep).bytes(csv ? ByteLine.csv(path) : path);
        if (row.linkTarget() != null) {
            byte[] target = row.linkTarget();
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
}
