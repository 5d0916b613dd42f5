package dev.platter.inspect.ops;

import dev.platter.inspect.guest.Guest;
import dev.platter.inspect.guest.Mounts;
import dev.platter.inspect.testing.FakeFs;
import dev.platter.inspect.testing.FakeGuest;
import dev.platter.testdata.Tool;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * copy-out keeps what it should (modes, times, symlinks, holes) and never writes outside its target folder,
 * whatever a hostile guest's names and links say or a host folder already holds. Every escape attempt is checked
 * against a sentinel folder next to the target, which must stay empty.
 */
class CopyOutTest {
    @TempDir
    Path tmp;
    Path out;
    Path outside;
    FakeGuest fg;

    @BeforeEach
    void setUp() throws IOException {
        out = Files.createDirectory(tmp.resolve("out"));
        outside = Files.createDirectory(tmp.resolve("outside"));
        fg = new FakeGuest(Files.createDirectory(tmp.resolve("disks")));
    }

    private CopyOut copy(String... remotes) throws IOException {
        try (Guest g = fg.open()) {
            Mounts m = g.mountOperatingSystem();
            CopyOut c = new CopyOut(m, false);
            for (String r : remotes) {
                c.copy(r, out);
            }
            return c;
        }
    }

    private void assertOutsideUntouched() throws IOException {
        try (Stream<Path> s = Files.list(outside)) {
            assertEquals(List.of(), s.toList(), "something was written outside the target folder");
        }
        try (Stream<Path> s = Files.list(tmp)) {
            assertEquals(List.of("disks", "out", "outside"), s.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }

    @Test
    void filesDirectoriesSymlinksModesTimesAndHoles() throws IOException {
        FakeFs r = fg.root;
        FakeFs.Node srv = r.dir(r.root(), "srv");
        r.file(srv, FakeFs.bytes("script"), "#!/bin/sh\n".getBytes(), 0104750);
        r.symlink(srv, "abs", "/etc/passwd");
        r.symlink(srv, "rel", "../etc/hostname");
        r.symlink(srv, FakeFs.bytes("odd"), new byte[] {'/', '/', 'x', '/', '/', 'c', 'a', 'f', (byte) 0xE9, '/'});
        r.sparse(srv, "sparse.bin", 64L << 20, new long[][] {{0, 5}, {32L << 20, 6}});
        r.special(srv, "fifo", 010644);
        r.special(srv, "null", 020666);
        CopyOut c = copy("/srv", "/etc/hostname");
        Path s = out.resolve("srv");
        assertEquals("#!/bin/sh\n", Files.readString(s.resolve("script")));
        assertEquals(04750, (int) Files.getAttribute(s.resolve("script"), "unix:mode") & 07777);
        assertEquals(1_700_000_000_000L, Files.getLastModifiedTime(s.resolve("script")).toMillis());
        assertEquals("/etc/passwd", Files.readSymbolicLink(s.resolve("abs")).toString());
        assertEquals("../etc/hostname", Files.readSymbolicLink(s.resolve("rel")).toString());
        assertEquals(10, Long.parseLong(Tool.run("stat", "-c", "%s",
                s.resolve("odd").toString()).ok().stdout().trim()), "the target's bytes, doubled slashes kept");
        assertEquals(64L << 20, Files.size(s.resolve("sparse.bin")));
        long blocks = Long.parseLong(Tool.run("stat", "-c", "%b", s.resolve("sparse.bin").toString()).ok().stdout().trim());
        assertTrue(blocks * 512 < (1 << 20), "holes kept: " + blocks + " blocks allocated");
        assertFalse(Files.exists(s.resolve("fifo"), LinkOption.NOFOLLOW_LINKS));
        assertFalse(Files.exists(s.resolve("null"), LinkOption.NOFOLLOW_LINKS));
        assertEquals(2, c.warnings().stream().filter(w -> w.contains("not copied")).count(), c.warnings().toString());
        assertEquals("fakehost\n", Files.readString(out.resolve("hostname")));
    }

    @Test
    void theRootCopiesIntoTheFolderItself() throws IOException {
        copy("/");
        assertTrue(Files.isRegularFile(out.resolve("etc/hostname")));
        assertTrue(Files.isSymbolicLink(out.resolve("bin")));
        assertTrue(Files.isRegularFile(out.resolve("boot/vmlinuz")), "mounted filesystems are crossed");
        assertOutsideUntouched();
    }

    @Test
    void namesWithSlashesDotsAndNulsAreRefused() throws IOException {
        FakeFs r = fg.root;
        FakeFs.Node d = r.dir(r.root(), "evil");
        String escape = "../../outside/pwned";
        r.file(d, FakeFs.bytes(escape), "x".getBytes(), 0100644);
        r.file(d, FakeFs.bytes(".."), "x".getBytes(), 0100644);
        r.file(d, FakeFs.bytes("/" + outside.resolve("abs")), "x".getBytes(), 0100644);
        r.file(d, new byte[] {'a', 0, 'b'}, "x".getBytes(), 0100644);
        FakeFs.Node sub = r.dir(d, "ok");
        r.file(sub, FakeFs.bytes("../../../outside/pwned2"), "x".getBytes(), 0100644);
        copy("/evil");
        assertOutsideUntouched();
        try (Stream<Path> s = Files.walk(out)) {
            assertEquals(List.of("evil", "ok"), s.filter(p -> !p.equals(out)).map(p -> p.getFileName().toString())
                    .sorted().toList());
        }
    }

    @Test
    void absoluteSymlinkFollowedByADirectoryOfTheSameNameIsNotFollowed() throws IOException {
        // A hostile directory: "x" as a symlink to the outside folder, then "x" again as a directory with a file.
        FakeFs r = fg.root;
        FakeFs.Node d = r.dir(r.root(), "dup");
        r.symlink(d, "x", outside.toString());
        FakeFs.Node x = r.dir(d, "x");
        r.file(x, "pwned", "x");
        r.symlink(d, "y", "..");
        FakeFs.Node y = r.dir(d, "y");
        r.file(y, "pwned", "x");
        CopyOut c = copy("/dup");
        assertOutsideUntouched();
        assertTrue(Files.isSymbolicLink(out.resolve("dup/x")));
        assertEquals(List.of("/dup/x: skipped a second entry of the same name (a damaged directory); the first is used",
                "/dup/y: skipped a second entry of the same name (a damaged directory); the first is used"),
                c.warnings());
    }

    @Test
    void duplicateFileNamesDoNotOverwriteThroughALink() throws IOException {
        FakeFs r = fg.root;
        FakeFs.Node d = r.dir(r.root(), "dup2");
        r.symlink(d, "f", outside.resolve("target").toString());
        r.file(d, "f", "second");
        CopyOut c = copy("/dup2");
        assertOutsideUntouched();
        assertTrue(c.warnings().stream().anyMatch(w -> w.equals("/dup2/f: skipped a second entry of the same name "
                + "(a damaged directory); the first is used")), c.warnings().toString());
        assertTrue(Files.isSymbolicLink(out.resolve("dup2/f")));
    }

    @Test
    void hostSymlinkInsideTheTargetIsNeverFollowed() throws IOException {
        FakeFs r = fg.root;
        FakeFs.Node srv = r.dir(r.root(), "srv");
        r.file(srv, "data", "x");
        Files.createSymbolicLink(out.resolve("srv"), outside);
        IOException e = assertThrows(IOException.class, () -> copy("/srv"));
        assertTrue(e.getMessage().contains("symlink is never followed"), e.getMessage());
        Files.createSymbolicLink(out.resolve("hostname"), outside.resolve("x"));
        e = assertThrows(IOException.class, () -> copy("/etc/hostname"));
        assertTrue(e.getMessage().contains("not followed"), e.getMessage());
        assertOutsideUntouched();
    }

    @Test
    void copyingAgainReplacesWhatAnEarlierCopyWroteWithoutFollowingIt() throws IOException {
        FakeFs r = fg.root;
        FakeFs.Node srv = r.dir(r.root(), "srv");
        r.file(srv, "f", "new");
        r.symlink(srv, "l", "target");
        Files.createDirectory(out.resolve("srv"));
        Files.createSymbolicLink(out.resolve("srv/f"), outside.resolve("victim"));
        Files.writeString(out.resolve("srv/l"), "old file");
        CopyOut c = copy("/srv");
        assertTrue(c.warnings().isEmpty(), c.warnings().toString());
        assertEquals("new", Files.readString(out.resolve("srv/f")));
        assertFalse(Files.isSymbolicLink(out.resolve("srv/f")));
        assertEquals("target", Files.readSymbolicLink(out.resolve("srv/l")).toString());
        assertOutsideUntouched();
    }

    @Test
    void remoteDotDotCannotNameTheParent() throws IOException {
        assertThrows(IOException.class, () -> copy("/etc/.."));
        assertOutsideUntouched();
    }

    @Test
    void directoryCyclesStop() throws IOException {
        FakeFs r = fg.root;
        FakeFs.Node a = r.dir(r.root(), "a");
        FakeFs.Node b = r.dir(a, "b");
        r.link(b, FakeFs.bytes("back"), a);
        r.link(b, FakeFs.bytes("self"), b);
        CopyOut c = copy("/a");
        assertTrue(Files.isDirectory(out.resolve("a/b")));
        assertEquals(2, c.warnings().stream().filter(w -> w.contains("seen before")).count(), c.warnings().toString());
        assertOutsideUntouched();
    }

    @Test
    void namesTheHostCannotSpellAreEscaped() throws IOException {
        FakeFs r = fg.root;
        FakeFs.Node d = r.dir(r.root(), "latin1");
        r.file(d, new byte[] {'c', 'a', 'f', (byte) 0xE9}, "x".getBytes(), 0100644);
        CopyOut c = copy("/latin1");
        assertTrue(Files.isRegularFile(out.resolve("latin1").resolve("caf\\xE9")));
        assertTrue(c.warnings().get(0).contains("written as"), c.warnings().toString());
        assertEquals("rw-r--r--", PosixFilePermissions.toString(
                Files.getPosixFilePermissions(out.resolve("latin1").resolve("caf\\xE9"))));
    }
}
