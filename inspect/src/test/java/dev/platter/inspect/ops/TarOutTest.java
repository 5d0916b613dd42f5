package dev.platter.inspect.ops;

import dev.platter.inspect.guest.Guest;
import dev.platter.inspect.testing.FakeFs;
import dev.platter.inspect.testing.FakeGuest;
import dev.platter.testdata.RequiresTool;
import dev.platter.testdata.Tool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Archives read back by GNU tar: names, types, links, modes, owners, contents; cycles end. */
@RequiresTool("tar")
class TarOutTest {
    @TempDir
    Path tmp;

    @Test
    void gnuTarReadsWhatIsWritten() throws IOException {
        FakeGuest fg = new FakeGuest(Files.createDirectory(tmp.resolve("disks")));
        FakeFs r = fg.root;
        FakeFs.Node srv = r.dir(r.root(), "srv");
        FakeFs.Node f = r.file(srv, "file", "contents\n");
        r.link(srv, FakeFs.bytes("hard"), f);
        r.symlink(srv, "link", "/etc/hostname");
        r.special(srv, "fifo", 010600);
        r.special(srv, "sock", 0140600);
        FakeFs.Node deep = r.dir(r.dir(srv, "d"), "e");
        r.file(deep, FakeFs.bytes("x".repeat(200)), "long name\n".getBytes(), 0100600);
        r.link(deep, FakeFs.bytes("loop"), srv);
        Path tar = tmp.resolve("out.tar.gz");
        TarOut t;
        try (Guest g = fg.open(); OutputStream out = Files.newOutputStream(tar)) {
            t = new TarOut(g.mountOperatingSystem());
            t.write("/srv", out, TarOut.Compression.GZIP);
        }
        assertTrue(t.warnings().stream().anyMatch(w -> w.contains("socket ignored")), t.warnings().toString());
        assertTrue(t.warnings().stream().anyMatch(w -> w.contains("cycle")), t.warnings().toString());
        String list = Tool.run("tar", "--numeric-owner", "-tvzf", tar.toString()).ok().stdout();
        List<String> names = list.lines().map(l -> l.substring(l.indexOf("./"))).toList();
        assertEquals(List.of("./", "./file", "./hard link to ./file", "./link -> /etc/hostname", "./fifo", "./d/",
                "./d/e/", "./d/e/" + "x".repeat(200)), names);
        assertTrue(list.contains("drwxr-xr-x 0/0"), list);
        assertTrue(list.contains("-rw------- 0/0") && list.contains(" 10 2023-11-1"), list);
        Path x = Files.createDirectory(tmp.resolve("x"));
        Tool.run(x, Map.of(), "tar", "-xzf", tar.toString()).ok();
        assertEquals("contents\n", Files.readString(x.resolve("hard")));
        assertEquals("long name\n", Files.readString(x.resolve("d/e/" + "x".repeat(200))));
    }

    @Test
    void noPathIsArchivedTwice() throws IOException {
        // A damaged directory holding a symlink X and a directory X: the archive must not hold d/X -> /host/dir
        // followed by d/X/file (extracting it would write through the link).
        FakeGuest fg = new FakeGuest(Files.createDirectories(tmp.resolve("disks")));
        FakeFs r = fg.root;
        FakeFs.Node d = r.dir(r.dir(r.root(), "srv"), "d");
        r.symlink(d, "X", "/host/dir");
        r.file(r.dir(d, "X"), "file", "through the link?\n");
        r.file(d, "f", "first\n");
        r.file(d, "f", "second\n");
        Path tar = tmp.resolve("dup.tar");
        TarOut t;
        try (Guest g = fg.open(); OutputStream out = Files.newOutputStream(tar)) {
            t = new TarOut(g.mountOperatingSystem());
            t.write("/srv", out, TarOut.Compression.NONE);
        }
        String list = Tool.run("tar", "-tf", tar.toString()).ok().stdout();
        assertEquals(List.of("./", "./d/", "./d/X", "./d/f"), list.lines().toList());
        assertEquals(List.of(
                "/srv/d/X: skipped a second entry of the same name (a damaged directory); the first is used",
                "/srv/d/f: skipped a second entry of the same name (a damaged directory); the first is used"),
                t.warnings());
        Path x = Files.createDirectory(tmp.resolve("x"));
        Tool.run(x, Map.of(), "tar", "-xf", tar.toString()).ok();
        assertEquals("first\n", Files.readString(x.resolve("d/f")));
    }
}
