package dev.platter.cli.guest;

import dev.platter.testdata.Fixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TimeZone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ls, cat and df on guests whose journal or log needs recovery, against what libguestfs 1.48 printed for the same
 * calls after its appliance kernel replayed them at mount (cli/src/test/resources/libguestfs/dirty-*.out and .status,
 * captured by testdata/scripts/capture-dirty-libguestfs-expected.sh with TZ=UTC): byte-identical stdout, the same
 * exit status, and the images unchanged; the same through qcow2. The disks: ext4-kernel-dirty.img (a transaction
 * left in the journal by a shutdown), ext3-journal-v1.img (copied while mounted: replay adds, removes, moves and
 * changes files) and xfs-kernel-dirty.img (a directory and a file that only the log holds); the three as LVs of
 * guest-lvm-dirty.raw.
 */
class DirtyGuestsMatchLibguestfsTest {
    private static final List<String> DISKS = List.of("ext4-kernel-dirty.img", "ext3-journal-v1.img",
            "xfs-kernel-dirty.img", "guest-lvm-dirty.raw");
    private static final String QCOW2 = "qcow2";
    @TempDir
    static Path dir;
    private static TimeZone saved;
    private static final Map<String, String> hashes = new LinkedHashMap<>();

    @BeforeAll
    static void expand() throws Exception {
        Files.createDirectories(dir.resolve(QCOW2));
        for (String d : DISKS) {
            Path raw = Fixtures.expand(d, dir);
            hashes.put(d, GuestJournalReplayTest.sha256(raw));
            // Same file name in another folder, so that df's first column is libguestfs's too.
            String qcow2 = dir.resolve(QCOW2).resolve(d).toString();
            GuestCli.Result made = d.startsWith("ext3")
                    ? GuestCli.run("create", "-q", "-f", "qcow2", "-b", raw.toString(), "-F", "raw", qcow2)
                    : GuestCli.run("convert", "-f", "raw", "-O", "qcow2", raw.toString(), qcow2);
            assertEquals(0, made.exit(), made.err());
        }
        saved = TimeZone.getDefault();
        TimeZone.setDefault(TimeZone.getTimeZone("UTC"));
    }

    @AfterAll
    static void restoreAndCheckUnwritten() throws Exception {
        TimeZone.setDefault(saved);
        for (Map.Entry<String, String> e : hashes.entrySet()) {
            assertEquals(e.getValue(), GuestJournalReplayTest.sha256(dir.resolve(e.getKey())),
                    e.getKey() + " was written");
        }
    }

    private static final String LONG_TREE = "-lR --uids --time-t --extra-stats --checksum=md5 /";

    /** Case name and the command line, as in capture-dirty-libguestfs-expected.sh. */
    private static final String[][] CASES = {
        {"dirty-ext4-ls-lR", "ls -a ext4-kernel-dirty.img -m /dev/sda " + LONG_TREE},
        {"dirty-ext4-ls-l", "ls -a ext4-kernel-dirty.img -m /dev/sda -l /k /k/after"},
        {"dirty-ext4-cat", "cat -a ext4-kernel-dirty.img -m /dev/sda /k/after/committed-in-journal.txt /k/hl_a"},
        {"dirty-ext4-df", "df -a ext4-kernel-dirty.img"},
        {"dirty-ext4-df-h", "df -a ext4-kernel-dirty.img -h"},
        {"dirty-ext3-ls-lR", "ls -a ext3-journal-v1.img -m /dev/sda " + LONG_TREE},
        {"dirty-ext3-cat", "cat -a ext3-journal-v1.img -m /dev/sda /r1/f46 /r0/m37"},
        {"dirty-ext3-df", "df -a ext3-journal-v1.img"},
        {"dirty-xfs-ls-lR", "ls -a xfs-kernel-dirty.img -m /dev/sda " + LONG_TREE},
        {"dirty-xfs-ls-l", "ls -a xfs-kernel-dirty.img -m /dev/sda -l /k /k/after"},
        {"dirty-xfs-cat", "cat -a xfs-kernel-dirty.img -m /dev/sda /k/after/committed-in-log.txt /k/hl_b"},
        {"dirty-xfs-df", "df -a xfs-kernel-dirty.img"},
        {"dirty-xfs-df-h", "df -a xfs-kernel-dirty.img -h"},
        {"dirty-lvm-ext3-ls-lR", "ls -a guest-lvm-dirty.raw -m /dev/vg-dirty/ext3 " + LONG_TREE},
        {"dirty-lvm-ext3-cat", "cat -a guest-lvm-dirty.raw -m /dev/vg-dirty/ext3 /r1/f46 /r0/m37"},
        {"dirty-lvm-xfs-ls-l", "ls -a guest-lvm-dirty.raw -m /dev/vg-dirty/xfs -l /k/after"},
        {"dirty-lvm-df", "df -a guest-lvm-dirty.raw"},
    };

    /**
     * The cases whose output the on-disk state would get wrong: they keep the comparison about replay. (On
     * ext4-kernel-dirty the journal's one transaction repeats blocks already in place, so nothing there differs.)
     */
    private static final Set<String> REPLAY_VISIBLE = Set.of("dirty-ext3-ls-lR", "dirty-ext3-cat", "dirty-ext3-df",
            "dirty-xfs-ls-lR", "dirty-xfs-ls-l", "dirty-xfs-cat", "dirty-lvm-ext3-ls-lR", "dirty-lvm-ext3-cat",
            "dirty-lvm-xfs-ls-l", "dirty-lvm-df");

    @TestFactory
    List<DynamicTest> sameOutputAsLibguestfs() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String[] c : CASES) {
            tests.add(DynamicTest.dynamicTest(c[0], () -> {
                String expectedOut = resource(c[0] + ".out");
                String status = resource(c[0] + ".status");
                assertTrue(expectedOut != null && status != null, "no captured output for " + c[0]);
                int expectedExit = Integer.parseInt(status.lines().findFirst().orElse("0").trim());
                GuestCli.Result r = GuestCli.run(args(c[1]));
                assertEquals(expectedOut, r.out(), c[0] + "\nstderr: " + r.err());
                assertEquals(expectedExit == 0, r.exit() == 0, c[0] + " exit status; stderr: " + r.err()
                        + "\nlibguestfs: " + status);
            }));
        }
        return tests;
    }

    /**
     * The same guests as a snapshot tool leaves them in qcow2: converted (ext4, XFS) and as an empty overlay on the
     * raw image (ext3, read through the backing chain). Nothing but the container changes, so neither does the output.
     */
    @TestFactory
    List<DynamicTest> sameOutputThroughQcow2() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String[] c : CASES) {
            tests.add(DynamicTest.dynamicTest(c[0] + " qcow2", () -> {
                String[] args = c[1].split(" ");
                for (int i = 0; i < args.length; i++) {
                    if (DISKS.contains(args[i])) {
                        args[i] = dir.resolve(QCOW2).resolve(args[i]).toString();
                    }
                }
                GuestCli.Result r = GuestCli.run(args);
                assertEquals(resource(c[0] + ".out"), r.out(), c[0] + " through qcow2\nstderr: " + r.err());
            }));
        }
        return tests;
    }

    @TestFactory
    List<DynamicTest> onDiskStateDiffersFromLibguestfs() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String[] c : CASES) {
            if (!REPLAY_VISIBLE.contains(c[0])) {
                continue;
            }
            tests.add(DynamicTest.dynamicTest(c[0] + " --no-replay", () -> {
                GuestCli.Result r = GuestCli.run(args(c[1] + " --no-replay"));
                boolean capturedOk = resource(c[0] + ".status").startsWith("0\n");
                // A file only the journal holds is missing on disk: then the exit status alone may differ.
                assertNotEquals(capturedOk + "\n" + resource(c[0] + ".out"), (r.exit() == 0) + "\n" + r.out(),
                        c[0] + ": the replay changes nothing here");
            }));
        }
        return tests;
    }

    private static String[] args(String line) {
        String[] args = line.split(" ");
        for (int i = 0; i < args.length; i++) {
            if (DISKS.contains(args[i])) {
                args[i] = dir.resolve(args[i]).toString();
            }
        }
        return args;
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = DirtyGuestsMatchLibguestfsTest.class.getResourceAsStream("/libguestfs/" + name)) {
            return in == null ? null : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
