package dev.platter.cli.guest;

import dev.platter.cli.output.HumanSize;
import dev.platter.testdata.Fixtures;
import dev.platter.testdata.RequiresTool;
import dev.platter.testdata.Tool;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Option handling, error messages and the commands' own behaviour beyond what the libguestfs captures cover. */
class GuestCommandsTest {
    @TempDir
    static Path dir;
    static String a;
    static String b;
    static String mbr;

    @BeforeAll
    static void expand() {
        a = Fixtures.expand("guest-lvm-a.raw", dir).toString();
        b = Fixtures.expand("guest-lvm-b.raw", dir).toString();
        mbr = Fixtures.expand("guest-mbr.raw", dir).toString();
    }

    @Test
    void humanSizesAsGnulibRoundsThem() {
        assertEquals("512", HumanSize.of(512));
        assertEquals("1.0K", HumanSize.of(1024));
        assertEquals("1.5K", HumanSize.of(1536));
        assertEquals("14M", HumanSize.of(14410752));
        assertEquals("7.5M", HumanSize.of(7827456));
        assertEquals("11M", HumanSize.of(11513856));
        assertEquals("4.0M", HumanSize.of(4194304));
        assertEquals("47M", HumanSize.of(49266176));
        assertEquals("1.0G", HumanSize.of((1L << 30) - 1));
        assertEquals("10K", HumanSize.of(10 * 1024 - 1));
        assertEquals("8.0E", HumanSize.of(Long.MAX_VALUE));
        assertEquals("13M", HumanSize.of(12909, 1024));
    }

    /**
     * ls -R prints guestfs_find's paths: find's output with the directory's name as typed cut off, so a trailing
     * slash (and the root, "/") gives names without a leading slash; the capture of virt-ls -R /srv covers the other.
     */
    @Test
    void recursiveListingCutsTheDirectoryAsTyped() {
        String root = GuestCli.run("ls", "-a", a, "-a", b, "-R", "/").out();
        assertTrue(root.lines().count() > 10, root);
        assertTrue(root.lines().noneMatch(l -> l.startsWith("/")), root);
        String srv = GuestCli.run("ls", "-a", a, "-a", b, "-R", "/srv").out();
        String srvSlash = GuestCli.run("ls", "-a", a, "-a", b, "-R", "/srv/").out();
        assertTrue(srv.lines().allMatch(l -> l.startsWith("/")), srv);
        assertEquals(srv.lines().map(l -> l.substring(1)).toList(), srvSlash.lines().toList());
    }

    @Test
    void damagedPrimaryGptIsAWarningAndTheBackupIsUsed() throws IOException {
        Path copy = dir.resolve("damaged-gpt.raw");
        Files.copy(Path.of(a), copy);
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(copy.toFile(), "rw")) {
            f.seek(512 + 0x40);
            f.write(0x42);
        }
        GuestCli.Result r = GuestCli.run("filesystems", "-a", copy.toString(), "-a", b);
        assertEquals(0, r.exit(), r.err());
        assertEquals(GuestCli.run("filesystems", "-a", a, "-a", b).out(), r.out());
        assertTrue(r.err().contains("platter: warning: /dev/sda: the primary GPT is damaged: using the backup GPT"),
                r.err());
    }

    @Test
    void usageErrors() {
        GuestCli.Result r = GuestCli.run("filesystems");
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("you must specify at least one -a or -d option"), r.err());
        r = GuestCli.run("df", "-a", a, "-h", "--csv");
        assertTrue(r.err().contains("-h and --csv"), r.err());
        r = GuestCli.run("ls", "-a", a, "--uids", "/");
        assertTrue(r.err().contains("only be combined with -lR"), r.err());
        r = GuestCli.run("ls", "-a", a, "-lR", "--checksum=sha3", "/");
        assertEquals(1, r.exit());
        r = GuestCli.run("filesystems", "--blocksize=1000", "-a", a);
        assertTrue(r.err().contains("512 or 4096"), r.err());
        r = GuestCli.run("filesystems", "-a", dir.resolve("missing.raw").toString());
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("missing.raw"), r.err());
    }

    @Test
    void manualMountOfAnUnknownDeviceNamesTheFilesystems() {
        GuestCli.Result r = GuestCli.run("ls", "-a", mbr, "-m", "/dev/sdz1", "/");
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("'/dev/sdz1' could not be mounted"), r.err());
        assertTrue(r.err().contains("/dev/sda5 (ext4)"), r.err());
    }

    @Test
    void noOperatingSystemWithoutMounts() {
        GuestCli.Result r = GuestCli.run("cat", "-a", mbr, "/etc/issue");
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("no operating system was found"), r.err());
        r = GuestCli.run("cat", "-a", mbr, "-m", "/dev/sda1", "/etc/issue");
        assertEquals(0, r.exit(), r.err());
        assertEquals("mbr p1\n", r.out());
    }

    @Test
    void lvmNamesInEveryForm() {
        for (String dev : new String[] {"/dev/vg-data/data-1", "/dev/mapper/vg--data-data--1"}) {
            GuestCli.Result r = GuestCli.run("cat", "-a", a, "-a", b, "-m", dev, "/README");
            assertEquals(0, r.exit(), r.err());
            assertEquals("on an LV with a dash in its name\n", r.out());
        }
    }

    @Test
    void catKeepsGoingAfterAMissingFile() {
        GuestCli.Result r = GuestCli.run("cat", "-a", a, "-a", b, "/nonexistent", "/etc/hostname", "/srv/links/loop1");
        assertEquals(1, r.exit());
        assertEquals("platter-guest\n", r.out());
        assertTrue(r.err().contains("/nonexistent: No such file or directory"), r.err());
        assertTrue(r.err().contains("/srv/links/loop1: Too many levels of symbolic links"), r.err());
    }

    @Test
    void sparseFileCatsInFull() {
        GuestCli.Result r = GuestCli.run("cat", "-a", a, "-a", b, "/srv/sparse.bin");
        assertEquals(0, r.exit(), r.err());
        byte[] out = r.stdout();
        assertEquals(10 << 20, out.length);
        assertEquals("START", new String(out, 0, 5));
        assertEquals("MIDDLE", new String(out, 5 << 20, 6));
        assertEquals("END", new String(out, (10 << 20) - 3, 3));
    }

    @Test
    @RequiresTool("tar")
    void tarOutToStdoutIsAGzippedTarball() throws IOException {
        GuestCli.Result r = GuestCli.run("tar-out", "-a", a, "-a", b, "--gzip", "/home", "-");
        assertEquals(0, r.exit(), r.err());
        Path t = dir.resolve("home.tar.gz");
        Files.write(t, r.stdout());
        String list = Tool.run("tar", "-tzf", t.toString()).ok().stdout();
        assertEquals("./\n./lost+found/\n./user/\n./user/.bashrc\n./user/notes.txt\n", normalise(list));
    }

    private static String normalise(String tarList) {
        return String.join("\n", tarList.lines().sorted().toList()) + "\n";
    }

    @Test
    void copyOutKeepsModesTimesLinksAndHoles() throws IOException {
        Path out = Files.createDirectory(dir.resolve("copy"));
        GuestCli.Result r = GuestCli.run("copy-out", "-a", a, "-a", b, "/srv", "/etc/hostname", out.toString());
        assertEquals(0, r.exit(), r.err());
        assertEquals("platter-guest\n", Files.readString(out.resolve("hostname")));
        assertEquals("/etc/hostname", Files.readSymbolicLink(out.resolve("srv/links/abs")).toString());
        assertEquals(10L << 20, Files.size(out.resolve("srv/sparse.bin")));
        assertEquals(04755, (int) Files.getAttribute(out.resolve("srv/modes/setuid"), "unix:mode") & 07777);
        assertEquals(1_700_000_000_000L, Files.getLastModifiedTime(out.resolve("srv/names/with space")).toMillis());
        assertTrue(r.err().contains("fifo not copied"), r.err());
        GuestCli.Result notDir = GuestCli.run("copy-out", "-a", a, "-a", b, "/srv", out.resolve("hostname").toString());
        assertEquals(1, notDir.exit());
        assertTrue(notDir.err().contains("is not a directory"), notDir.err());
    }
}
