package dev.platter.cli;

import dev.platter.testdata.Tool;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** qemu-img and qemu-io as the oracle of the format tests: run them, and hold Platter's CLI to qemu-img's output. */
final class QemuImgOracle {
    private QemuImgOracle() {
    }

    /** Runs qemu-img; it must succeed. */
    static void run(String... args) {
        List<String> cmd = new ArrayList<>(List.of("qemu-img"));
        cmd.addAll(List.of(args));
        Tool.run(cmd.toArray(new String[0])).ok();
    }

    /** Runs qemu-io commands on an image of {@code format}; none may fail. */
    static void io(String format, String image, String... commands) {
        List<String> cmd = new ArrayList<>(List.of("qemu-io", "-f", format));
        for (String c : commands) {
            cmd.add("-c");
            cmd.add(c);
        }
        cmd.add(image);
        Tool.Result r = Tool.run(cmd.toArray(new String[0])).ok();
        assertTrue(!r.stdout().contains("failed") && !r.stderr().contains("failed"), r.stdout() + r.stderr());
    }

    /** The same exit status, stdout and stderr (qemu-img's prefix for Platter's). */
    static void sameAs(String... args) {
        List<String> cmd = new ArrayList<>(List.of("qemu-img"));
        cmd.addAll(List.of(args));
        Tool.Result q = Tool.run(cmd.toArray(new String[0]));
        Cli.Result p = Cli.run(args);
        String what = String.join(" ", args);
        assertEquals(q.stdout(), p.out(), what);
        assertEquals(q.stderr().replace("qemu-img: ", "platter: "), p.err(), what);
        assertEquals(q.exitCode(), p.exit(), what);
    }
}
