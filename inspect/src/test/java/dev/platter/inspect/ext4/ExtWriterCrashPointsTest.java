package dev.platter.inspect.ext4;

import dev.platter.inspect.fs.FsOptions;
import dev.platter.inspect.fs.WritableFileSystem;
import dev.platter.inspect.fs.WritableFileSystem.Attributes;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A power cut after every write of a copy-in-like batch and of an rm: e2fsck -fy (which replays the journal) and then
 * e2fsck -fn must be clean, and the tree must be the state before or after the batch (journaled: one transaction),
 * or a state between whole operations (ext2: each step ordered).
 */
class ExtWriterCrashPointsTest {

    @ParameterizedTest
    @ValueSource(strings = {"-t ext4", "-t ext3 -b 1024", "-t ext2", "-t ext4 -O ^metadata_csum,^64bit"})
    void everyCrashPointRecovers(String mkfs) throws Exception {
        Assumptions.assumeTrue(Files.exists(Path.of("/usr/sbin/e2fsck")) || Files.exists(Path.of("/sbin/e2fsck")));
        Path img = Files.createTempFile("extc", ".raw");
        try {
            ExtWriterSmokeTest.run(("mkfs.ext4 -q -F " + mkfs + " " + img + " 16M").split(" "));
            byte[] original = Files.readAllBytes(img);
            // Before: a file to remove later.
            byte[] base;
            {
                MemoryDevice r = new MemoryDevice(original.clone());
                try (WritableFileSystem fs = new Ext4Driver().openWritable(r, FsOptions.defaults())) {
                    long d = fs.mkdir(fs.rootInode(), b("old"), Attributes.of(0755));
                    fs.createFile(d, b("gone"), Attributes.of(0644), new ByteArrayInputStream(new byte[9000]
                    ), 9000);
                    fs.createFile(d, b("kept"), Attributes.of(0644), new ByteArrayInputStream(b("kept")), 4);
                }
                base = r.bytes;
            }
            Set<String> before = tree(base, img);
            MemoryDevice r = new MemoryDevice(base.clone());
            try (WritableFileSystem fs = new Ext4Driver().openWritable(r, FsOptions.defaults())) {
                long d = fs.mkdir(fs.rootInode(), b("app"), Attributes.of(0755));
                for (int i = 0; i < 3; i++) {
                    byte[] c = ("content " + i).repeat(700 * (i + 1)).getBytes(StandardCharsets.UTF_8);
                    fs.createFile(d, b("f" + i), Attributes.of(0644), new ByteArrayInputStream(c), c.length);
                }
                fs.symlink(d, b("l"), b("f0"), Attributes.of(0777));
                long old = fs.lookup(fs.rootInode(), b("old")).inode();
                fs.unlink(old, b("gone"));
            }
            Set<String> after = tree(r.bytes, img);
            assertTrue(!before.equals(after));
            TreeSet<String> seen = new TreeSet<>();
            for (int n = 0; n <= r.writeCount(); n++) {
                Files.write(img, r.after(base, n));
                ExtWriterSmokeTest.run("e2fsck", "-fy", img.toString());
                String fsck = ExtWriterSmokeTest.run("e2fsck", "-fn", img.toString());
                assertEquals("0", fsck.split("\n")[0], "after " + n + " of " + r.writeCount() + " writes:\n" + fsck);
                Set<String> t = tree(Files.readAllBytes(img), img);
                boolean journaled = !mkfs.contains("ext2");
                if (journaled) {
                    assertTrue(t.equals(before) || t.equals(after), "after " + n + " writes: " + t);
                } else {
                    assertTrue(after.containsAll(t) || t.containsAll(after) || before.containsAll(t)
                            || t.containsAll(before), "after " + n + " writes: " + t);
                }
                seen.add(t.equals(before) ? "before" : t.equals(after) ? "after" : "between");
            }
            assertTrue(seen.contains("before") && seen.contains("after"), seen.toString());
        } finally {
            Files.deleteIfExists(img);
        }
    }

    /** Paths and sizes of every file, through the reader. */
    private static Set<String> tree(byte[] bytes, Path scratch) throws IOException {
        TreeSet<String> out = new TreeSet<>();
        Ext4FileSystem fs = Ext4FileSystem.open(new ByteDevice(bytes), FsOptions.defaults());
        walk(fs, fs.rootInode(), "", out);
        return out;
    }

    private static void walk(Ext4FileSystem fs, long dir, String path, Set<String> out) throws IOException {
        for (var e : fs.list(dir)) {
            String p = path + "/" + e.name();
            if (p.equals("/lost+found")) {
                continue;
            }
            var st = fs.stat(e.inode());
            out.add(p + " " + Integer.toOctalString(st.mode()) + " " + st.size() + " " + st.nlink());
            if (st.type() == dev.platter.inspect.fs.FileType.DIRECTORY) {
                walk(fs, e.inode(), p, out);
            }
        }
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
