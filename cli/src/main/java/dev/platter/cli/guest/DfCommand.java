package dev.platter.cli.guest;

import dev.platter.cli.CliException;
import dev.platter.cli.output.Csv;
import dev.platter.cli.output.HumanSize;
import dev.platter.inspect.fs.StatFs;
import dev.platter.inspect.guest.DetectedFilesystem;
import dev.platter.inspect.guest.Guest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code platter df}: virt-df. One line per filesystem Platter can read (statvfs numbers, as Linux computes them
 * for a read-only mount), named "DISK:DEVICE" where DISK is the first image's file name with a '+' per extra disk.
 */
@Command(name = "df", sortOptions = false, description = "Display free space on guest filesystems (like virt-df).")
public final class DfCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    GuestArgs guest;

    @Option(names = {"-h", "--human-readable"}, description = "Human-readable sizes.")
    boolean human;

    @Option(names = {"-i", "--inodes"}, description = "Show inodes instead of blocks.")
    boolean inodes;

    @Option(names = "--csv", description = "Output as Comma-Separated Values.")
    boolean csv;

    @Option(names = "--help", usageHelp = true, description = "Show this help.")
    boolean help;

    @Override
    public Integer call() throws Exception {
        if (human && csv) {
            throw new CliException("you cannot use -h and --csv options together.");
        }
        PrintWriter out = spec.commandLine().getOut();
        try (Guest g = guest.open()) {
            title(out);
            String name = guest.displayName();
            for (DetectedFilesystem fs : g.filesystems()) {
                if (fs.type().equals("swap") || fs.type().equals("unknown")) {
                    continue;
                }
                StatFs st;
                try {
                    st = fs.statfs();
                } catch (IOException e) {
                    spec.commandLine().getErr().println("platter: warning: " + fs.name() + ": " + e.getMessage());
                    continue;
                }
                if (st == null) {
                    continue;  // a filesystem Platter cannot read (ntfs, btrfs ...)
                }
                out.print(line(name, fs.name(), st));
            }
            guest.printWarnings(g, spec.commandLine().getErr());
        }
        return 0;
    }

    private void title(PrintWriter out) {
        String c2 = inodes ? "Inodes" : human ? "Size" : "1K-blocks";
        String c3 = inodes ? "IUsed" : "Used";
        String c4 = inodes ? "IFree" : "Available";
        String c5 = inodes ? "IUse%" : "Use%";
        if (csv) {
            out.print(String.join(",", "VirtualMachine", "Filesystem", c2, c3, c4, c5) + "\n");
        } else {
            out.print(String.format(Locale.ROOT, "%-36s%10s %10s %10s %5s\n", "Filesystem", c2, c3, c4, c5));
        }
    }

    String line(String name, String dev, StatFs st) {
        String[] cols = new String[4];
        float percent;
        if (!inodes) {
            long bs = st.blockSize();
            if (!human) {
                cols[0] = Long.toString(scale(st.blocks(), bs));
                cols[1] = Long.toString(scale(st.blocks() - st.freeBlocks(), bs));
                cols[2] = Long.toString(scale(st.availableBlocks(), bs));
            } else {
                cols[0] = HumanSize.of(st.blocks(), bs);
                cols[1] = HumanSize.of(st.blocks() - st.freeBlocks(), bs);
                cols[2] = HumanSize.of(st.availableBlocks(), bs);
            }
            percent = st.blocks() != 0 ? (float) (100. - 100. * st.freeBlocks() / st.blocks()) : 0;
        } else {
            cols[0] = Long.toString(st.files());
            cols[1] = Long.toString(st.files() - st.freeFiles());
            cols[2] = Long.toString(st.freeFiles());
            percent = st.files() != 0 ? (float) (100. - 100. * st.freeFiles() / st.files()) : 0;
        }
        if (csv) {
            // printf rounds the exact binary value half to even
            cols[3] = new BigDecimal((double) percent).setScale(1, RoundingMode.HALF_EVEN).toPlainString();
            StringBuilder sb = new StringBuilder(Csv.field(name)).append(',').append(Csv.field(dev));
            for (String c : cols) {
                sb.append(',').append(Csv.field(c));
            }
            return sb.append('\n').toString();
        }
        cols[3] = String.format(Locale.ROOT, "%3.0f%%", Math.ceil(percent));
        String label = name + ":" + dev;
        StringBuilder sb = new StringBuilder(label);
        if (label.length() <= 36) {
            sb.append(" ".repeat(36 - label.length()));
        } else {
            sb.append('\n').append(" ".repeat(36));
        }
        return sb.append(String.format(Locale.ROOT, "%10s %10s %10s %5s\n", cols[0], cols[1], cols[2], cols[3]))
                .toString();
    }

    /** virt-df's unit change: n blocks of {@code from} bytes in KiB (integer arithmetic, as in C). */
    private static long scale(long n, long from) {
        return from >= 1024 ? n * (from / 1024) : n / (1024 / from);
    }
}
