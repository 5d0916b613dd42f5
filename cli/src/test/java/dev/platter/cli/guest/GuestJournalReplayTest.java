package dev.platter.cli.guest;

import dev.platter.testdata.Fixtures;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The guest commands on an ext3 image caught with committed transactions in its journal (a kernel-made fixture, see
 * make-ext-journal-kernel-fixtures.sh): replayed by default, as libguestfs's kernel does; --no-replay shows the disk as
 * it stands, with the warning; filesystems --long and inspector say on stderr that a journal was replayed; the image
 * is never written.
 */
class GuestJournalReplayTest {
    @TempDir
    static Path dir;
    static String img;

    @BeforeAll
    static void expand() {
        img = Fixtures.expand("ext3-journal-v1.img", dir).toString();
    }

    @Test
    void replayIsTheDefaultAndNoReplayShowsTheDisk() throws Exception {
        String before = sha256(Path.of(img));
        GuestCli.Result replayed = GuestCli.run("ls", "-a", img, "-m", "/dev/sda", "-lR", "/");
        GuestCli.Result onDisk = GuestCli.run("ls", "-a", img, "-m", "/dev/sda", "-lR", "/", "--no-replay");
        assertEquals(0, replayed.exit(), replayed.err());
        assertEquals(0, onDisk.exit(), onDisk.err());
        assertNotEquals(replayed.out(), onDisk.out(), "the journal holds changes not yet in place");
        assertFalse(replayed.err().contains("needs_recovery"), replayed.err());
        assertTrue(onDisk.err().contains("needs_recovery") && onDisk.err().contains("without replaying"), onDisk.err());

        GuestCli.Result df = GuestCli.run("df", "-a", img);
        GuestCli.Result dfOnDisk = GuestCli.run("df", "-a", img, "--no-replay");
        assertEquals(0, df.exit(), df.err());
        assertEquals(0, dfOnDisk.exit(), dfOnDisk.err());

        GuestCli.Result fs = GuestCli.run("filesystems", "-a", img, "--long");
        assertEquals(0, fs.exit(), fs.err());
        assertTrue(fs.err().contains("platter: note: /dev/sda: journal replayed in memory: "), fs.err());
        assertFalse(fs.out().contains("journal"), "stdout stays virt-filesystems' table");
        GuestCli.Result fsOnDisk = GuestCli.run("filesystems", "-a", img, "--long", "--no-replay");
        assertFalse(fsOnDisk.err().contains("journal replayed"), fsOnDisk.err());
        assertEquals(fs.out(), fsOnDisk.out());
        assertEquals(before, sha256(Path.of(img)), "the image is never written");
    }

    static String sha256(Path p) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
    }
}
