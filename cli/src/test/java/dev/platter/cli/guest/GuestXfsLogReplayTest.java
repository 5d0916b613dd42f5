package dev.platter.cli.guest;

import dev.platter.testdata.Fixtures;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The guest commands on an XFS caught with a dirty log (the kernel-made xfs-kernel-dirty fixture, made through
 * libguestfs by make-xfs-kernel-fixtures.sh): the log is replayed by default, as libguestfs's kernel does, so the
 * directory made just before the crash is listed and df equals virt-df's after replay; --no-replay shows the disk as
 * it stands, with the warning; filesystems --long says on stderr that the log was replayed; the image is never
 * written.
 */
class GuestXfsLogReplayTest {
    @TempDir
    static Path dir;
    static String img;

    @BeforeAll
    static void expand() {
        img = Fixtures.expand("xfs-kernel-dirty.img", dir).toString();
    }

    @Test
    void replayIsTheDefaultAndNoReplayShowsTheDisk() throws Exception {
        String before = GuestJournalReplayTest.sha256(Path.of(img));
        GuestCli.Result replayed = GuestCli.run("ls", "-a", img, "-m", "/dev/sda", "/k");
        GuestCli.Result onDisk = GuestCli.run("ls", "-a", img, "-m", "/dev/sda", "/k", "--no-replay");
        assertEquals(0, replayed.exit(), replayed.err());
        assertEquals(0, onDisk.exit(), onDisk.err());
        assertTrue(replayed.out().lines().anyMatch("after"::equals), replayed.out());
        assertFalse(onDisk.out().lines().anyMatch("after"::equals), onDisk.out());
        assertFalse(replayed.err().contains("log is dirty"), replayed.err());
        assertTrue(onDisk.err().contains("log is dirty") && onDisk.err().contains("without replaying"), onDisk.err());

        GuestCli.Result df = GuestCli.run("df", "-a", img);
        assertEquals(0, df.exit(), df.err());
        // virt-df --csv on this image (the appliance replayed the log): 1K-blocks 60064, used 9420, available 50644.
        assertTrue(df.out().contains("60064") && df.out().contains("9420") && df.out().contains("50644"), df.out());

        GuestCli.Result fs = GuestCli.run("filesystems", "-a", img, "--long");
        assertEquals(0, fs.exit(), fs.err());
        assertTrue(fs.err().contains("platter: note: /dev/sda: log replayed in memory: "), fs.err());
        GuestCli.Result fsOnDisk = GuestCli.run("filesystems", "-a", img, "--long", "--no-replay");
        assertFalse(fsOnDisk.err().contains("replayed in memory"), fsOnDisk.err());
        assertEquals(fs.out(), fsOnDisk.out());
        assertEquals(before, GuestJournalReplayTest.sha256(Path.of(img)), "the image is never written");
    }
}
