package dev.platter.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad input gets one clear line on stderr and exit status 1; a stack trace only with --debug. */
class BadInputTest {
    @TempDir
    Path dir;

    private static void assertOneLineError(Cli.Result r, String expected) {
        assertEquals(1, r.exit(), r.out() + r.err());
        assertEquals("", r.out());
        assertEquals("platter: " + expected + "\n", r.err());
    }

    @Test
    void anUnknownCommandIsNamedWithASuggestionWhenItIsATypo() {
        Cli.Result typo = Cli.run("snapshott", "-l", "x.qcow2");
        assertEquals(1, typo.exit());
        assertEquals("platter: 'snapshott' is not a platter command; did you mean 'snapshot'?\n"
                + "Try 'platter --help' for more information.\n", typo.err());
        Cli.Result unknown = Cli.run("frobnicate");
        assertEquals("platter: 'frobnicate' is not a platter command\n"
                + "Try 'platter --help' for more information.\n", unknown.err());
    }

    @Test
    void missingFile() {
        String f = dir.resolve("nope.raw").toString();
        assertOneLineError(Cli.run("info", f), "Could not open '" + f + "': No such file or directory");
    }

    @Test
    void directory() {
        assertOneLineError(Cli.run("info", dir.toString()),
                "Could not open '" + dir + "': is a directory, not an image file");
    }

    @Test
    void unreadableFile() throws Exception {
        Path f = dir.resolve("secret.raw");
        Files.write(f, new byte[512]);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("---------"));
        if (Files.isReadable(f)) {
            // Root reads anything; a write-only sysctl file refuses even root.
            f = Path.of("/proc/sys/vm/drop_caches");
        }
        assertOneLineError(Cli.run("info", "-f", "raw", f.toString()),
                "Could not open '" + f + "': Permission denied");
    }

    @Test
    void garbageSize() {
        Cli.Result r = Cli.run("create", "-f", "raw", dir.resolve("x").toString(), "12parsecs");
        assertEquals(1, r.exit());
        assertTrue(r.err().startsWith("platter: Invalid image size specified."), r.err());
        assertEquals(1, r.err().lines().count());
        assertFalse(Files.exists(dir.resolve("x")));
    }

    @Test
    void anUnknownFormatNameIsQemuImgsErrorFollowedByTheFormatsPlatterKnows() {
        String f = dir.resolve("x").toString();
        Cli.Result r = Cli.run("create", "-f", "foo", f, "1G");
        assertEquals(1, r.exit());
        List<String> lines = r.err().lines().toList();
        assertEquals("platter: " + f + ": Unknown file format 'foo'", lines.get(0));
        assertEquals(2, lines.size(), r.err());
        assertTrue(lines.get(1).startsWith("Formats: read and written: luks, qcow2, raw, vdi, vhdx, vmdk, vpc; read "
                + "only: bochs, cloop, dmg, parallels, qcow, qed"), lines.get(1));
        assertFalse(Files.exists(dir.resolve("x")));
    }

    @Test
    void aFormatPlatterCannotWriteIsRefusedBeforeAnythingIsAnnounced() {
        String f = dir.resolve("x.vmdk").toString();
        assertOneLineError(Cli.run("create", "-f", "qed", f, "1M"), "'qed' images are read only so far");
        assertFalse(Files.exists(dir.resolve("x.vmdk")));
    }

    @Test
    void missingSize() {
        String f = dir.resolve("x").toString();
        assertOneLineError(Cli.run("create", "-f", "raw", f), f + ": Image creation needs a size parameter");
    }

    @Test
    void unknownOption() {
        Cli.Result r = Cli.run("info", "--bogus", "x");
        assertEquals(1, r.exit());
        assertTrue(r.err().startsWith("platter: Unknown option: '--bogus'"), r.err());
    }

    @Test
    void stackTraceOnlyWithDebug() {
        String f = dir.resolve("nope.raw").toString();
        Cli.Result r = Cli.run("info", "--debug", f);
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("\tat "), r.err());
    }
}
