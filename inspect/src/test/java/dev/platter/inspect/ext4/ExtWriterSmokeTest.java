package dev.platter.inspect.ext4;

import dev.platter.core.image.Image;
import dev.platter.core.image.Images;
import dev.platter.core.image.OpenOptions;
import dev.platter.inspect.fs.FsOptions;
import dev.platter.inspect.fs.WritableFileSystem;
import dev.platter.inspect.fs.WritableFileSystem.Attributes;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The writer's basic operations on each ext flavour, checked by e2fsck -fn. */
class ExtWriterSmokeTest {

    static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int rc = p.waitFor();
        return rc + "\n" + out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"-t ext2", "-t ext3", "-t ext4", "-t ext4 -O ^metadata_csum", "-t ext4 -b 1024",
        "-t ext4 -O ^64bit", "-t ext4 -O inline_data", "-t ext3 -b 1024"})
    void operationsLeaveACleanFilesystem(String mkfs) throws Exception {
        Assumptions.assumeTrue(Files.exists(Path.of("/sbin/mkfs.ext4")) || Files.exists(Path.of("/usr/sbin/mkfs.ext4")));
        Path img = Files.createTempFile("extw", ".raw");
        try {
            String[] args = ("mkfs.ext4 -q -F " + mkfs + " " + img + " 64M").split(" ");
            assertEquals("0", run(args).split("\n")[0]);
            try (Image image = Images.open(img, OpenOptions.readOnlyDefaults().withReadOnly(false).withFormat("raw"));
                 WritableFileSystem fs = new Ext4Driver().openWritable(image, FsOptions.defaults())) {
                Random r = new Random(1);
                long root = fs.rootInode();
                long d = fs.mkdir(root, b("opt"), Attributes.of(0755));
                long app = fs.mkdir(d, b("app"), Attributes.of(0755).withOwner(1000, 1000));
                for (int i = 0; i < 400; i++) {
                    byte[] content = new byte[r.nextInt(3) == 0 ? r.nextInt(300000) : r.nextInt(100)];
                    r.nextBytes(content);
                    fs.createFile(app, b("file-with-a-long-name-" + i), Attributes.of(0644),
                            new ByteArrayInputStream(content), content.length);
                }
                fs.symlink(app, b("short"), b("file-with-a-long-name-1"), Attributes.of(0777));
                fs.symlink(app, b("long"), b("x".repeat(200)), Attributes.of(0777));
                for (int n = 1; n < 62; n++) {
                    fs.symlink(root, b("link" + n), b("y".repeat(n)), Attributes.of(0777));
                }
                fs.commit();
                for (int i = 0; i < 400; i += 3) {
                    fs.unlink(app, b("file-with-a-long-name-" + i));
                }
                fs.rename(app, b("file-with-a-long-name-1"), d, b("moved"));
                long sub = fs.mkdir(app, b("sub"), Attributes.of(0700));
                fs.rename(app, b("sub"), root, b("sub2"));
                fs.rmdir(root, b("sub2"));
                byte[] big = new byte[5_000_000];
                r.nextBytes(big);
                long f = fs.createFile(d, b("big"), Attributes.of(0600), new ByteArrayInputStream(big), big.length);
                fs.truncate(f, 1_234_567);
                fs.replaceContent(f, new ByteArrayInputStream(big, 0, 70000), 70000);
                fs.link(root, b("hard"), f);
                fs.chmod(f, 0640);
                fs.chown(f, 5, 6);
            }
            String fsck = run("e2fsck", "-fn", img.toString());
            if (System.getProperty("keep") != null) {
                Files.copy(img, Path.of("/tmp/extw-" + mkfs.replaceAll("[^a-z0-9]", "_") + ".raw"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            assertEquals("0", fsck.split("\n")[0], fsck);
        } finally {
            Files.deleteIfExists(img);
        }
    }

    /**
     * An operation that fails part-way (no space left for a file's data, after its inode and first blocks were
     * taken) is undone whole: the operations before it and after it land, e2fsck -fn is clean, the file is absent.
     */
    @org.junit.jupiter.api.Test
    void aFailedOperationIsUndoneWhole() throws Exception {
        Assumptions.assumeTrue(Files.exists(Path.of("/usr/sbin/mkfs.ext4")));
        Path img = Files.createTempFile("extw", ".raw");
        try {
            assertEquals("0", run(("mkfs.ext4 -q -F " + img + " 16M").split(" ")).split("\n")[0]);
            try (Image image = Images.open(img, OpenOptions.readOnlyDefaults().withReadOnly(false).withFormat("raw"));
                 WritableFileSystem fs = new Ext4Driver().openWritable(image, FsOptions.defaults())) {
                long root = fs.rootInode();
                fs.mkdir(root, b("before"), Attributes.of(0755));
                byte[] big = new byte[32 << 20];
                java.util.Arrays.fill(big, (byte) 1);
                org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class, () -> fs.createFile(root,
                        b("too-big"), Attributes.of(0644), new ByteArrayInputStream(big), big.length));
                fs.mkdir(root, b("after"), Attributes.of(0755));
                org.junit.jupiter.api.Assertions.assertNull(fs.lookup(root, b("too-big")));
            }
            String fsck = run("e2fsck", "-fn", img.toString());
            assertEquals("0", fsck.split("\n")[0], fsck);
            String ls = run("debugfs", "-R", "ls /", img.toString());
            org.junit.jupiter.api.Assertions.assertTrue(ls.contains("before") && ls.contains("after")
                    && !ls.contains("too-big"), ls);
        } finally {
            Files.deleteIfExists(img);
        }
    }

    /**
     * A directory grown far past its htree root on 1 KiB blocks: leaves split, the root gets a second level, and
     * index nodes split under it; then most names go again. e2fsck -fn (which checks every hash range of the index)
     * is clean, and every remaining name is found through the index by the reader.
     */
    @ParameterizedTest
    @ValueSource(strings = {"-t ext4 -b 1024", "-t ext4 -b 1024 -O ^metadata_csum", "-t ext3 -b 1024"})
    void htreeGrowsLevelsAndSplitsNodes(String mkfs) throws Exception {
        Assumptions.assumeTrue(Files.exists(Path.of("/usr/sbin/mkfs.ext4")));
        Path img = Files.createTempFile("extw", ".raw");
        try {
            assertEquals("0", run(("mkfs.ext4 -q -F -N 30000 " + mkfs + " " + img + " 96M").split(" "))
                    .split("\n")[0]);
            int names = 16000;
            try (Image image = Images.open(img, OpenOptions.readOnlyDefaults().withReadOnly(false).withFormat("raw"));
                 WritableFileSystem fs = new Ext4Driver().openWritable(image, FsOptions.defaults())) {
                long d = fs.mkdir(fs.rootInode(), b("big"), Attributes.of(0755));
                for (int i = 0; i < names; i++) {
                    fs.createFile(d, b(name(i)), Attributes.of(0644), new ByteArrayInputStream(new byte[0]), 0);
                }
                for (int i = 0; i < names; i += 3) {
                    fs.unlink(d, b(name(i)));
                }
            }
            String fsck = run("e2fsck", "-fn", img.toString());
            assertEquals("0", fsck.split("\n")[0], fsck);
            String htree = run("debugfs", "-R", "htree /big", img.toString());
            org.junit.jupiter.api.Assertions.assertTrue(htree.contains("Indirect levels: 1"), htree.substring(0,
                    Math.min(600, htree.length())));
            try (Image image = Images.open(img, OpenOptions.readOnlyDefaults().withFormat("raw"))) {
                Ext4FileSystem fs = Ext4FileSystem.open(image, FsOptions.defaults());
                long d = fs.lookup(fs.rootInode(), b("big")).inode();
                for (int i = 0; i < names; i++) {
                    boolean present = fs.lookup(d, b(name(i))) != null;
                    assertEquals(i % 3 != 0, present, name(i));
                }
                assertEquals(java.util.List.of(), fs.warnings());
            }
        } finally {
            Files.deleteIfExists(img);
        }
    }

    private static String name(int i) {
        return "a-rather-long-file-name-for-the-index-" + i;
    }

    /** An inline_data filesystem that mkfs -d filled with inline directories and files, changed in place. */
    @org.junit.jupiter.api.Test
    void inlineDirectoriesAndFilesAreMovedToBlocksWhenChanged() throws Exception {
        Assumptions.assumeTrue(Files.exists(Path.of("/usr/sbin/mkfs.ext4")));
        Path src = Files.createTempDirectory("extsrc");
        Path img = Files.createTempFile("extw", ".raw");
        try {
            Files.createDirectories(src.resolve("etc/small"));
            Files.writeString(src.resolve("etc/hostname"), "old\n");
            Files.writeString(src.resolve("etc/small/a"), "a");
            Files.writeString(src.resolve("etc/small/b"), "bb");
            Files.createDirectories(src.resolve("empty"));
            String[] args = ("mkfs.ext4 -q -F -O inline_data -d " + src + " " + img + " 32M").split(" ");
            assertEquals("0", run(args).split("\n")[0]);
            try (Image image = Images.open(img, OpenOptions.readOnlyDefaults().withReadOnly(false).withFormat("raw"));
                 WritableFileSystem fs = new Ext4Driver().openWritable(image, FsOptions.defaults())) {
                long etc = fs.lookup(fs.rootInode(), b("etc")).inode();
                long small = fs.lookup(etc, b("small")).inode();
                long host = fs.lookup(etc, b("hostname")).inode();
                fs.replaceContent(host, new ByteArrayInputStream(b("new-host\n")), 9);
                fs.createFile(small, b("c"), Attributes.of(0644), new ByteArrayInputStream(b("ccc")), 3);
                fs.unlink(small, b("a"));
                long a = fs.lookup(small, b("b")).inode();
                fs.truncate(a, 1);
                fs.rmdir(fs.rootInode(), b("empty"));
                byte[] big = new byte[10000];
                fs.replaceContent(fs.lookup(small, b("c")).inode(), new ByteArrayInputStream(big), big.length);
                fs.rename(etc, b("small"), fs.rootInode(), b("moved"));
            }
            String fsck = run("e2fsck", "-fn", img.toString());
            assertEquals("0", fsck.split("\n")[0], fsck);
            String cat = run("debugfs", "-R", "cat /etc/hostname", img.toString());
            org.junit.jupiter.api.Assertions.assertTrue(cat.contains("new-host"), cat);
            String ls = run("debugfs", "-R", "ls /moved", img.toString());
            org.junit.jupiter.api.Assertions.assertTrue(ls.contains(" b ") || ls.contains("b  "), ls);
        } finally {
            Files.deleteIfExists(img);
            try (var w = Files.walk(src)) {
                w.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
