package dev.platter.inspect.xfs;

import dev.platter.inspect.fs.DirEntry;
import dev.platter.inspect.fs.GuestFileSystem;
import dev.platter.testdata.RequiresTool;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A directory of half a million names (node form, a two-level hash btree, its block map a bmap btree), built once
 * for the class: {@code -Dplatter.xfs.bigdir=N} changes the size.
 */
@RequiresTool({"mkfs.xfs", "xfs_db"})
class XfsBigDirectoryTest {
    private static final int COUNT = Integer.getInteger("platter.xfs.bigdir", 500_000);

    @TempDir
    static Path dir;
    private static XfsTestImages.Opened opened;
    private static long bigDir;

    @BeforeAll
    static void build() throws IOException {
        XfsTestImages.build(dir, Map.of("BIGDIR", String.valueOf(COUNT)), "bigdir");
        opened = XfsTestImages.open(dir.resolve("bigdir.img"));
        bigDir = XfsTestImages.resolve(opened.fs(), "/dirs/big");
    }

    @AfterAll
    static void close() throws IOException {
        if (opened != null) {
            opened.close();
        }
    }

    @Test
    void theDirectoryHasTheDeepestShape() {
        Path img = dir.resolve("bigdir.img");
        Map<String, String> inode = XfsTestImages.xfsDbFields(img, "path /dirs/big", "print core.format");
        assertTrue(inode.get("core.format").startsWith("3 "), "btree data fork");
        if (COUNT >= 500_000) {
            Map<String, String> root = XfsTestImages.xfsDbFields(img, "path /dirs/big", "dblock 8388608",
                    "print nhdr.level");
            assertEquals("2", root.get("nhdr.level"), "a two-level hash btree");
        }
    }

    @Test
    void listsEveryName() throws IOException {
        GuestFileSystem fs = opened.fs();
        List<DirEntry> entries = fs.list(bigDir);
        assertEquals(COUNT, entries.size());
        Set<String> names = new HashSet<>();
        for (DirEntry e : entries) {
            names.add(e.name());
        }
        assertEquals(new HashSet<>(XfsTestImages.bigDirNames(COUNT)), names);
        assertEquals(List.of(), fs.warnings());
    }

    @Test
    void looksUpNamesThroughTheHashIndex() throws IOException {
        GuestFileSystem fs = opened.fs();
        List<String> all = XfsTestImages.bigDirNames(COUNT);
        for (int i = 0; i < COUNT; i += 101) {
            DirEntry e = fs.lookup(bigDir, all.get(i).getBytes(StandardCharsets.UTF_8));
            assertNotNull(e, all.get(i));
            assertEquals(all.get(i), e.name());
            assertEquals(e.inode(), fs.stat(e.inode()).inode());
        }
        for (String absent : List.of("file_000000_q", "file_999999_", "", "x".repeat(255), "..."))  {
            assertNull(fs.lookup(bigDir, absent.getBytes(StandardCharsets.UTF_8)), absent);
        }
    }
}
