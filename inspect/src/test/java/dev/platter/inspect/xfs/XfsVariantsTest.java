package dev.platter.inspect.xfs;

import dev.platter.core.UnsupportedFeatureException;
import dev.platter.inspect.fs.DirEntry;
import dev.platter.inspect.fs.FileStat;
import dev.platter.inspect.fs.GuestFileSystem;
import dev.platter.testdata.RequiresTool;
import dev.platter.testdata.Tool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Rarer shapes: v1 inodes, ASCII-CI names, a realtime section and an external log. */
@RequiresTool({"mkfs.xfs", "xfs_db", "xfs_repair"})
class XfsVariantsTest {
    @TempDir
    static Path dir;

    @Test
    void versionOneInodesKeepTheirLinkCountInOnlink() throws IOException {
        XfsTestImages.build(dir, Map.of(), "v4");
        Path img = dir.resolve("v4.img");
        long ino;
        try (XfsTestImages.Opened o = XfsTestImages.open(img)) {
            ino = XfsTestImages.resolve(o.fs(), "/files/f100000");
        }
        // xfs_repair -n accepts v1 inodes on v4 (as does Linux): make one by hand.
        Tool.run("xfs_db", "-x", "-c", "inode " + ino, "-c", "write core.version 1", "-c", "write core.nlinkv1 1",
                img.toString()).ok();
        Tool.Result repair = Tool.run("xfs_repair", "-n", img.toString());
        assertEquals(0, repair.exitCode(), repair.stdout());
        try (XfsTestImages.Opened o = XfsTestImages.open(img)) {
            FileStat st = o.fs().stat(ino);
            assertEquals(1, st.nlink());
            assertEquals(100000, st.size());
            byte[] expected = Files.readAllBytes(dir.resolve("src/f100000"));
            byte[] actual = new byte[100000];
            o.fs().open(ino).read(0, ByteBuffer.wrap(actual));
            assertArrayEquals(expected, actual);
        }
    }

    @Test
    void asciiCaseInsensitiveNamesMatchInEveryDirectoryShape() throws IOException {
        XfsTestImages.build(dir, Map.of(), "v5-ci");
        try (XfsTestImages.Opened o = XfsTestImages.open(dir.resolve("v5-ci.img"))) {
            GuestFileSystem fs = o.fs();
            for (String d : List.of("/dirs/d3", "/dirs/d50", "/dirs/d400", "/dirs/d2k", "/dirs/d50k")) {
                long ino = XfsTestImages.resolve(fs, d.toUpperCase(Locale.ROOT));
                assertTrue(ino > 0, d);
                for (DirEntry e : fs.list(ino).subList(0, 3)) {
                    String upper = e.name().toUpperCase(Locale.ROOT);
                    DirEntry found = fs.lookup(ino, upper.getBytes(StandardCharsets.UTF_8));
                    assertNotNull(found, d + "/" + upper);
                    assertEquals(e.inode(), found.inode());
                    assertEquals(e.name(), found.name(), "the stored spelling is returned");
                }
            }
        }
    }

    @Test
    void realtimeSectionAndExternalLogAreReadWhereTheDataDeviceSuffices() throws IOException {
        XfsTestImages.build(dir, Map.of(), "v5-rtlog");
        Path img = dir.resolve("v5-rtlog.img");
        long realtime;
        try (XfsTestImages.Opened o = XfsTestImages.open(img)) {
            realtime = XfsTestImages.resolve(o.fs(), "/files/f100000");
        }
        Tool.run("xfs_db", "-x", "-l", dir.resolve("v5-rtlog.log").toString(), "-c", "inode " + realtime,
                "-c", "write core.realtime 1", img.toString()).ok();
        try (XfsTestImages.Opened o = XfsTestImages.open(img)) {
            GuestFileSystem fs = o.fs();
            List<String> w = fs.warnings();
            assertTrue(w.stream().anyMatch(s -> s.contains("external device")), w.toString());
            assertTrue(w.stream().anyMatch(s -> s.contains("realtime section")), w.toString());
            UnsupportedFeatureException e = assertThrows(UnsupportedFeatureException.class,
                    () -> fs.open(realtime));
            assertEquals("xfs realtime file", e.feature());
            assertEquals(100000, fs.stat(realtime).size());
            long other = XfsTestImages.resolve(fs, "/files/small.txt");
            byte[] b = new byte[12];
            fs.open(other).read(0, ByteBuffer.wrap(b));
            assertEquals("hello world\n", new String(b, StandardCharsets.US_ASCII));
            // No internal log: statfs counts every data block.
            Map<String, String> sb = XfsTestImages.xfsDbFields(img, "sb 0", "print dblocks");
            assertEquals(Long.parseLong(sb.get("dblocks")), fs.statfs().blocks());
        }
    }
}
