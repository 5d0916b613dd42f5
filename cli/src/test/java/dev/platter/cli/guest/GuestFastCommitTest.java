package dev.platter.cli.guest;

import dev.platter.testdata.RequiresLoopDevices;
import dev.platter.testdata.RequiresTool;
import dev.platter.testdata.Tool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An ext4 caught with fast commits to replay (made at test time by testdata/scripts/make-ext-dirty-journal.sh
 * fc-pending: the kernel fsynced a new file through the fast-commit area, then the filesystem was shut down): every
 * guest command names the refusal in one line, `--no-replay` reads the disk as it stands, the image is never written.
 */
@RequiresTool({"mke2fs", "debugfs", "dumpe2fs", "e2fsck", "xfs_io", "losetup", "mount"})
@RequiresLoopDevices
class GuestFastCommitTest {
    @TempDir
    static Path dir;

    @Test
    void fastCommitsToReplayAreRefusedByNameInOneLine() throws Exception {
        Path script = scripts().resolve("make-ext-dirty-journal.sh");
        Tool.run(null, java.util.Map.of(), "bash", script.toString(), dir.toString(), "fc", "31", "fc-pending", "--",
                "-t", "ext4", "-O", "fast_commit", "--", "commit=1").ok();
        String img = dir.resolve("fc.img").toString();
        String before = GuestJournalReplayTest.sha256(Path.of(img));

        GuestCli.Result ls = GuestCli.run("ls", "-a", img, "-m", "/dev/sda", "/");
        assertEquals(1, ls.exit(), ls.out() + ls.err());
        assertOneLineNamingFastCommits(ls.err());
        assertTrue(ls.err().lines().anyMatch(l -> l.startsWith("platter: '/dev/sda' could not be mounted: /dev/sda:"
                + " cannot be read: ext journal block") && l.contains("fast-commit area")), "the error says why: "
                + ls.err());

        GuestCli.Result df = GuestCli.run("df", "-a", img);
        assertOneLineNamingFastCommits(df.err());

        GuestCli.Result onDisk = GuestCli.run("ls", "-a", img, "-m", "/dev/sda", "/", "--no-replay");
        assertEquals(0, onDisk.exit(), onDisk.err());
        assertTrue(onDisk.err().contains("without replaying the journal"), onDisk.err());
        assertEquals(before, GuestJournalReplayTest.sha256(Path.of(img)), "the image is never written");
    }

    private static void assertOneLineNamingFastCommits(String err) {
        String line = err.lines().filter(l -> l.contains("fast-commit area")).findFirst().orElse(null);
        assertTrue(line != null && line.startsWith("platter: ") && line.contains("Platter does not replay fast commits")
                && line.contains("--no-replay"), err);
    }

    private static Path scripts() {
        for (Path p = Path.of(System.getProperty("user.dir")).toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("testdata/scripts"))) {
                return p.resolve("testdata/scripts");
            }
        }
        throw new IllegalStateException("testdata/scripts not found");
    }
}
