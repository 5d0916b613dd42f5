package dev.platter.cli.guest;

import dev.platter.testdata.Fixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TimeZone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The guest commands on encrypted guests (guest-luks1.raw: LUKS1 with a PBKDF2 key slot; guest-luks2.raw: LUKS2 with
 * an argon2id key slot and 4096-byte sectors; each a LUKS partition holding an LVM PV with an XFS root, made by
 * cryptsetup and dm-crypt: make-guest-luks.sh), against what libguestfs 1.48 printed for the same calls with the same
 * keys (cli/src/test/resources/libguestfs/luks*.out and .status, captured by
 * testdata/scripts/capture-luks-libguestfs-expected.sh with TZ=UTC): byte-identical stdout, the same exit status.
 * virt-filesystems and virt-df 1.48 take no --key: their captures with a key come from the same tools with the
 * volumes opened for them as virt-ls opens them (luks-open-shim.c), and Platter is given the key with --key. A wrong
 * key is one line on stderr; no passphrase is ever printed; the images are never written.
 */
class LuksGuestsMatchLibguestfsTest {
    private static final String PW1 = "platter-luks-one";
    private static final String PW2 = "platter-luks-two";
    private static final String U1 = "5a6b0000-0000-4000-8000-00000000c100";
    private static final String U2 = "5a6b0000-0000-4000-8000-00000000c200";
    private static final String K1 = "--key /dev/sda2:key:" + PW1;
    private static final String K2 = "--key " + U2 + ":key:" + PW2;
    @TempDir
    static Path dir;
    private static TimeZone saved;
    private static final Map<String, String> hashes = new LinkedHashMap<>();

    @BeforeAll
    static void expand() throws Exception {
        for (String d : List.of("guest-luks1.raw", "guest-luks2.raw")) {
            hashes.put(d, GuestJournalReplayTest.sha256(Fixtures.expandLuks(d, dir)));
        }
        Files.writeString(dir.resolve("key1.txt"), PW1 + "\n");
        Files.writeString(dir.resolve("key2.txt"), PW2 + "\n");
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

    /** Case name, stdin (or null), the command line: as in capture-luks-libguestfs-expected.sh. */
    private static final String[][] CASES = {
        {"luks1-fs-nokey", null, "filesystems -a guest-luks1.raw --all --long --uuid"},
        {"luks1-df-nokey", null, "df -a guest-luks1.raw"},
        {"luks1-fs", null, "filesystems -a guest-luks1.raw " + K1 + " --all --long --uuid"},
        {"luks1-fs-h", null, "filesystems -a guest-luks1.raw " + K1 + " --all --long -h"},
        {"luks1-pvs", null, "filesystems -a guest-luks1.raw " + K1 + " --pvs --vgs --lvs --long --csv"},
        {"luks1-df", null, "df -a guest-luks1.raw " + K1},
        {"luks1-ls-lR", null, "ls -a guest-luks1.raw " + K1 + " -lR --uids --time-t --extra-stats --checksum=md5 /"},
        {"luks1-ls-l", null, "ls -a guest-luks1.raw --key " + U1 + ":key:" + PW1 + " -l /srv/secret /etc"},
        {"luks1-cat", null, "cat -a guest-luks1.raw " + K1 + " /etc/fstab /etc/crypttab /srv/secret/link"},
        {"luks1-inspector", null, "inspector -a guest-luks1.raw " + K1},
        {"luks1-cat-file", null, "cat -a guest-luks1.raw --key /dev/sda2:file:KEY1 /etc/hostname"},
        {"luks1-cat-stdin", PW1 + "\n", "cat -a guest-luks1.raw --keys-from-stdin /etc/hostname"},
        {"luks2-fs-nokey", null, "filesystems -a guest-luks2.raw --all --long --uuid"},
        {"luks2-fs", null, "filesystems -a guest-luks2.raw " + K2 + " --all --long --uuid"},
        {"luks2-df", null, "df -a guest-luks2.raw " + K2},
        {"luks2-df-h", null, "df -a guest-luks2.raw " + K2 + " -h"},
        {"luks2-df-i", null, "df -a guest-luks2.raw " + K2 + " -i"},
        {"luks2-ls-lR", null, "ls -a guest-luks2.raw " + K2
                + " -lR --uids --time-t --extra-stats --checksum=sha256 /"},
        {"luks2-cat", null, "cat -a guest-luks2.raw --key /dev/sda2:file:KEY2 /etc/fstab /srv/secret/notes.txt "
                + "/etc/crypttab"},
        {"luks2-inspector", null, "inspector -a guest-luks2.raw " + K2},
        {"luks2-cat-stdin", PW2 + "\n", "cat -a guest-luks2.raw --keys-from-stdin /etc/hostname"},
        {"luks-both-inspector", PW1 + "\n" + PW2 + "\n",
                "inspector -a guest-luks1.raw -a guest-luks2.raw --keys-from-stdin"},
    };

    private static String[] args(String line) {
        List<String> out = new ArrayList<>();
        for (String a : line.split(" ")) {
            String s = a.replace("KEY1", dir.resolve("key1.txt").toString())
                    .replace("KEY2", dir.resolve("key2.txt").toString());
            out.add(s.endsWith(".raw") ? dir.resolve(s).toString() : s);
        }
        return out.toArray(new String[0]);
    }

    /** Runs Platter with {@code stdin} as System.in (null: an empty stdin). */
    static GuestCli.Result run(String stdin, String... args) {
        InputStream in = System.in;
        System.setIn(new ByteArrayInputStream(stdin == null ? new byte[0] : stdin.getBytes(StandardCharsets.UTF_8)));
        try {
            return GuestCli.run(args);
        } finally {
            System.setIn(in);
        }
    }

    private static void assertNoPassphrase(GuestCli.Result r) {
        for (String pw : List.of(PW1, PW2, "not-the-passphrase")) {
            assertFalse(r.out().contains(pw) || r.err().contains(pw), "a passphrase was printed: " + r.err());
        }
    }

    @TestFactory
    List<DynamicTest> sameOutputAsLibguestfs() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String[] c : CASES) {
            tests.add(DynamicTest.dynamicTest(c[0], () -> {
                String expectedOut = resource(c[0] + ".out");
                String status = resource(c[0] + ".status");
                assumeTrue(expectedOut != null && status != null, "no captured output for " + c[0]);
                int expectedExit = Integer.parseInt(status.lines().findFirst().orElse("0").trim());
                GuestCli.Result r = run(c[1], args(c[2]));
                assertEquals(expectedOut, r.out(), c[0] + "\nstderr: " + r.err());
                assertEquals(expectedExit, r.exit(), c[0] + " exit status; stderr: " + r.err());
                assertNoPassphrase(r);
            }));
        }
        return tests;
    }

    /** libguestfs: "could not find key to open LUKS encrypted /dev/sda2." and three more lines; Platter: one. */
    @Test
    void aWrongKeyIsOneLine() throws IOException {
        for (String[] c : new String[][] {
            {"luks1-cat-wrong", "cat -a guest-luks1.raw --key /dev/sda2:key:not-the-passphrase /etc/hostname"},
            {"luks2-cat-wrong", "cat -a guest-luks2.raw --key " + U2 + ":key:" + PW1 + " /etc/hostname"},
        }) {
            String status = resource(c[0] + ".status");
            assertTrue(status.contains("could not find key to open LUKS encrypted /dev/sda2."), status);
            assertTrue(status.contains("No key available with this passphrase"), status);
            GuestCli.Result r = run(null, args(c[1]));
            assertEquals(1, r.exit());
            assertEquals(resource(c[0] + ".out"), r.out());
            assertEquals("platter: could not find key to open LUKS encrypted /dev/sda2: No key available with this "
                    + "passphrase\n", r.err(), c[0]);
            assertNoPassphrase(r);
        }
    }

    /** --keys-from-stdin with nothing on stdin: libguestfs "could not read key from user", exit 1; Platter too. */
    @Test
    void keysFromAnEmptyStdin() throws IOException {
        String status = resource("luks1-cat-stdin-empty.status");
        assertTrue(status.startsWith("1\n") && status.contains("could not read key from user"), status);
        GuestCli.Result r = run(null, args("cat -a guest-luks1.raw --keys-from-stdin /etc/hostname"));
        assertEquals(1, r.exit());
        assertEquals("", r.out());
        assertEquals("platter: could not read key from user (stdin ended)\n", r.err());
    }

    /**
     * A documented difference: virt-ls 1.48 opens LUKS volumes only when it inspects, so with -m it cannot mount an
     * LV inside one (luks1-ls-m.status); Platter opens them for -m too, and lists what inspection lists.
     */
    @Test
    void mountByHandOpensTheVolumeToo() throws IOException {
        String status = resource("luks1-ls-m.status");
        assertTrue(status.startsWith("1\n") && status.contains("/dev/luks1-vg/root"), status);
        GuestCli.Result m = run(null, args("ls -a guest-luks1.raw " + K1 + " -m /dev/luks1-vg/root -l /srv/secret"));
        GuestCli.Result i = run(null, args("ls -a guest-luks1.raw " + K1 + " -l /srv/secret"));
        assertEquals(0, m.exit(), m.err());
        assertEquals(i.out(), m.out());
        assertTrue(m.out().contains("notes.txt"), m.out());
    }

    /** Without a key the volume stays locked, with a warning naming it; the command still lists what it can. */
    @Test
    void withoutAKeyAWarningNamesTheLockedVolume() {
        GuestCli.Result r = run(null, args("filesystems -a guest-luks1.raw"));
        assertEquals(0, r.exit());
        assertEquals("/dev/sda1\n", r.out());
        assertEquals("platter: warning: /dev/sda2: LUKS volume " + U1 + " left locked: no passphrase given for it\n",
                r.err());
    }

    /** A malformed --key never echoes what follows the ID (it may be a passphrase). */
    @Test
    void aMalformedKeyIsNotEchoed() {
        GuestCli.Result r = run(null, args("ls -a guest-luks1.raw --key /dev/sda2:kye:" + PW1 + " /"));
        assertEquals(1, r.exit());
        assertTrue(r.err().startsWith("platter: invalid selector for --key (for /dev/sda2): expected "
                + "ID:key:PASSPHRASE or ID:file:FILENAME"), r.err());
        assertNoPassphrase(r);
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = LuksGuestsMatchLibguestfsTest.class.getResourceAsStream("/libguestfs/" + name)) {
            return in == null ? null : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
