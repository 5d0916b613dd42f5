package dev.platter.inspect.ext4.writing;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The oracles asked about a finished image: e2fsck -fn clean, then debugfs, Platter's reader and (where it can
 * mount) the kernel each see exactly the expected tree. Every disagreement is collected, then reported at once.
 */
public final class Checks {
    private static volatile boolean kernelSkipReported;

    private Checks() {
    }

    /** What went wrong, one entry per oracle that disagreed; empty when all agree. */
    public static List<String> image(Path image, Tree expected, Path scratch, boolean kernel) {
        List<String> problems = new ArrayList<>();
        E2fsck.Result fsck = E2fsck.check(image);
        if (!fsck.clean()) {
            problems.add("e2fsck -fn is not clean:\n" + fsck);
        }
        compare("debugfs", expected, () -> DebugfsTree.read(image, scratch), problems);
        compare("Platter's reader", expected, () -> ReaderTree.read(image), problems);
        if (kernel) {
            String why = KernelTree.unavailable();
            if (why == null) {
                if (fsck.clean()) {
                    compare("the kernel (mount -o loop,ro)", expected, () -> KernelTree.read(image, scratch),
                            problems);
                }
            } else if (!kernelSkipReported) {
                kernelSkipReported = true;
                Skips.visibly("the kernel as an oracle of the ext writer's trees", why);
            }
        }
        return problems;
    }

    /** Reads a tree, for {@link #compare}. */
    @FunctionalInterface
    public interface Reader {
        Tree read() throws Exception;
    }

    /** Adds to {@code problems} what {@code oracle} sees differently from {@code expected} (or its failure). */
    public static void compare(String oracle, Tree expected, Reader reader, List<String> problems) {
        try {
            List<String> d = Tree.diff(expected, reader.read());
            if (!d.isEmpty()) {
                problems.add(oracle + " sees another tree (" + d.size() + " differences):\n  "
                        + String.join("\n  ", d.subList(0, Math.min(40, d.size())))
                        + (d.size() > 40 ? "\n  ..." : ""));
            }
        } catch (Exception | AssertionError e) {
            problems.add(oracle + " fails: " + e);
        }
    }

    /** The operations as a numbered list, for failure messages. */
    public static String describe(List<Op> ops) {
        StringBuilder sb = new StringBuilder();
        int i = 0;
        for (Op op : ops) {
            sb.append(String.format("  #%d %s%n", i++, op));
        }
        return sb.toString();
    }
}
