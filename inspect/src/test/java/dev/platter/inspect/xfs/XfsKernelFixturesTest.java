package dev.platter.inspect.xfs;

import dev.platter.core.BlockDevice;
import dev.platter.core.Extent;
import dev.platter.inspect.fs.DirEntry;
import dev.platter.inspect.fs.FileStat;
import dev.platter.inspect.fs.FileType;
import dev.platter.inspect.fs.FsOptions;
import dev.platter.inspect.fs.GuestFileSystem;
import dev.platter.inspect.fs.StatFs;
import dev.platter.testdata.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The kernel-made fixtures (testdata/scripts/make-xfs-kernel-fixtures.sh) against what the kernel itself reported
 * for them, recorded in the committed NAME.expected files: every inode's stat, every file's MD5, every xattr, the
 * statvfs of a read-only mount and virt-df's figures.
 */
class XfsKernelFixturesTest {
    @TempDir
    static Path dir;

    /** The sections of an .expected file, by header word. */
    private static Map<String, List<String>> expected(String fixture) throws IOException {
        Map<String, List<String>> sections = new LinkedHashMap<>();
        Path file = Fixtures.expand(fixture + ".expected", dir);
        {
            List<String> current = null;
            for (String line : java.nio.file.Files.readString(file, StandardCharsets.UTF_8).split("\n")) {
                if (line.startsWith("# ") && !line.startsWith("# file: ")) {
                    String name = line.substring(2).split("[: ]")[0];
                    current = new ArrayList<>();
                    sections.put(name, current);
                } else if (current != null) {
                    current.add(line);
                }
            }
        }
        return sections;
    }

    private static Instant seconds(String decimal) {
        BigDecimal d = new BigDecimal(decimal);
        BigDecimal whole = d.setScale(0, java.math.RoundingMode.FLOOR);
        return Instant.ofEpochSecond(whole.longValueExact(), d.subtract(whole).movePointRight(9).longValue());
    }

    @ParameterizedTest
    @ValueSource(strings = {"xfs-kernel-v5", "xfs-kernel-v4", "xfs-kernel-1k"})
    void everyInodeAsTheKernelSawIt(String fixture) throws IOException {
        Path img = Fixtures.expand(fixture + ".img", dir);
        Map<String, List<String>> exp = expected(fixture);
        try (XfsTestImages.Opened o = XfsTestImages.open(img)) {
            GuestFileSystem fs = o.fs();
            assertEquals(List.of(), fs.warnings());
            int checked = 0;
            for (String line : exp.get("find")) {
                String[] f = line.split("\t", -1);
                String path = f[0].equals(".") ? "/" : f[0].substring(1);
                long ino = XfsTestImages.resolve(fs, path);
                assertEquals(Long.parseLong(f[7]), ino, path + " inode number");
                FileStat st = fs.stat(ino);
                assertEquals(f[1].charAt(0), typeLetter(st.type()), path + " type");
                assertEquals(Integer.parseInt(f[2], 8), st.permissions(), path + " mode");
                assertEquals(Long.parseLong(f[3]), st.uid(), path);
                assertEquals(Long.parseLong(f[4]), st.gid(), path);
                assertEquals(Long.parseLong(f[5]), st.size(), path + " size");
                assertEquals(Long.parseLong(f[6]), st.nlink(), path + " nlink");
                assertEquals(Long.parseLong(f[8]), st.blocks(), path + " blocks");
                assertEquals(seconds(f[9]), st.mtime(), path + " mtime");
                assertEquals(seconds(f[10]), st.atime(), path + " atime");
                assertEquals(seconds(f[11]), st.ctime(), path + " ctime");
                if (st.type() == FileType.SYMLINK) {
                    assertEquals(f[12], new String(fs.readlink(ino), StandardCharsets.UTF_8), path + " target");
                }
                checked++;
            }
            assertTrue(checked > 1000, "checked " + checked);
            for (String line : exp.get("rdev")) {
                String[] f = line.split("\t");
                FileStat st = fs.stat(XfsTestImages.resolve(fs, f[0].substring(1)));
                assertEquals(Long.parseLong(f[1], 16), st.rdevMajor(), f[0]);
                assertEquals(Long.parseLong(f[2], 16), st.rdevMinor(), f[0]);
            }
            for (String line : exp.get("birth")) {
                String[] f = line.split("\t");
                String path = f[0].equals(".") ? "/" : f[0].substring(1);
                FileStat st = fs.stat(XfsTestImages.resolve(fs, path));
                if (f[1].equals("0") || f[1].equals("-")) {
                    assertNull(st.crtime(), path);
                } else {
                    assertEquals(Long.parseLong(f[1]), st.crtime().getEpochSecond(), path + " birth");
                }
            }
            for (String line : exp.get("md5")) {
                String md5 = line.substring(0, 32);
                String path = line.substring(34).substring(1);
                long ino = XfsTestImages.resolve(fs, path);
                if (fs.stat(ino).size() > (256L << 20)) {
                    continue; // sparse5g: 5 GiB of MD5 is slow; holesAndUnwrittenExtentsKeepTheirShape reads it
                }
                assertEquals(md5, md5(fs, ino), path + " contents");
            }
            checkXattrs(fs, exp.get("xattrs"));
            checkStatFs(fs.statfs(), exp.get("statfs").get(0), exp.get("virt-df"));
        }
    }

    private static char typeLetter(FileType t) {
        return switch (t) {
            case REGULAR -> 'f';
            case DIRECTORY -> 'd';
            case SYMLINK -> 'l';
            case CHAR_DEVICE -> 'c';
            case BLOCK_DEVICE -> 'b';
            case FIFO -> 'p';
            case SOCKET -> 's';
            default -> '?';
        };
    }

    private static String md5(GuestFileSystem fs, long ino) throws IOException {
        try (BlockDevice file = fs.open(ino)) {
            MessageDigest d = MessageDigest.getInstance("MD5");
            ByteBuffer buf = ByteBuffer.allocate(1 << 20);
            for (long pos = 0; pos < file.size(); ) {
                Extent run = file.mapping(pos, Math.min(buf.capacity(), file.size() - pos));
                int n = (int) run.length();
                buf.clear().limit(n);
                file.read(pos, buf);
                if (run.status() != Extent.Status.DATA) {
                    for (int i = 0; i < n; i++) {
                        assertEquals(0, buf.get(i), "a hole or unwritten run reads as zeros");
                    }
                }
                d.update(buf.array(), 0, n);
                pos += n;
            }
            return HexFormat.of().formatHex(d.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void checkXattrs(GuestFileSystem fs, List<String> lines) throws IOException {
        Map<String, Map<String, String>> byFile = new TreeMap<>();
        Map<String, String> current = null;
        for (String line : lines) {
            if (line.startsWith("# file: ")) {
                current = new TreeMap<>();
                byFile.put("/" + line.substring(8), current);
            } else if (!line.isBlank() && current != null) {
                int eq = line.indexOf('=');
                current.put(eq < 0 ? line : line.substring(0, eq), eq < 0 ? "" : line.substring(eq + 3));
            }
        }
        assertTrue(byFile.size() >= 8, byFile.keySet().toString());
        for (Map.Entry<String, Map<String, String>> e : byFile.entrySet()) {
            Map<String, String> ours = new TreeMap<>();
            long ino = XfsTestImages.resolve(fs, e.getKey());
            if (fs.stat(ino).type() == FileType.SYMLINK) {
                // Older dumps ran getfattr without -h: it reported the target's attributes.
                String target = new String(fs.readlink(ino), StandardCharsets.UTF_8);
                ino = XfsTestImages.resolve(fs, e.getKey().substring(0, e.getKey().lastIndexOf('/') + 1) + target);
            }
            for (Map.Entry<String, byte[]> x : fs.xattrs(ino).entrySet()) {
                ours.put(x.getKey(), HexFormat.of().formatHex(x.getValue()));
            }
            assertEquals(e.getValue(), ours, e.getKey() + " xattrs");
        }
    }

    private static void checkStatFs(StatFs s, String kernel, List<String> virtDf) {
        String[] k = kernel.trim().split(" ");
        assertEquals(Long.parseLong(k[0]), s.blockSize());
        assertEquals(Long.parseLong(k[1]), s.blocks(), "f_blocks");
        assertEquals(Long.parseLong(k[2]), s.freeBlocks(), "f_bfree");
        assertEquals(Long.parseLong(k[3]), s.availableBlocks(), "f_bavail");
        assertEquals(Long.parseLong(k[4]), s.files(), "f_files");
        assertEquals(Long.parseLong(k[5]), s.freeFiles(), "f_ffree");
        // virt-df --csv: Virtual Machine,Filesystem,1K-blocks,Used,Available,Use% (then the same with -i).
        String[] df = virtDf.get(0).split(",");
        long kb = s.blockSize() / 1024;
        assertEquals(Long.parseLong(df[2]), s.blocks() * kb);
        assertEquals(Long.parseLong(df[3]), (s.blocks() - s.freeBlocks()) * kb);
        assertEquals(Long.parseLong(df[4]), s.availableBlocks() * kb);
        String[] dfi = virtDf.get(1).split(",");
        assertEquals(Long.parseLong(dfi[2]), s.files());
        assertEquals(Long.parseLong(dfi[3]), s.files() - s.freeFiles());
        assertEquals(Long.parseLong(dfi[4]), s.freeFiles());
    }

    @Test
    void aDirtyLogIsReplayedAsTheKernelDoes() throws IOException {
        Path img = Fixtures.expand("xfs-kernel-dirty.img", dir);
        Map<String, List<String>> exp = expected("xfs-kernel-dirty");
        assertTrue(String.join("\n", exp.get("xfs_logprint")).contains("DIRTY"));
        String before = XfsLogReplayTest.sha256(img);
        try (XfsTestImages.Opened o = XfsTestImages.open(img)) {
            GuestFileSystem fs = o.fs();
            assertTrue(String.valueOf(fs.journalReplay()).startsWith("log replayed in memory"), fs.journalReplay());
            long k = XfsTestImages.resolve(fs, "/k");
            long file = XfsTestImages.resolve(fs, "/k/after/committed-in-log.txt");
            assertTrue(file > 0, "the file written just before the crash is there once the log is replayed");
            // Its data was still delayed-allocation when the log was forced: the log holds the new inode, not the
            // size its writeback would have set.
            assertEquals(0, fs.stat(file).size());
            DirEntry hl = fs.lookup(k, "hl_a".getBytes(StandardCharsets.UTF_8));
            assertEquals(3, fs.stat(hl.inode()).nlink());
            FsWalker w = new FsWalker(1 << 20, true);
            w.walk(fs);
            assertEquals(0, w.ioErrors, w.errors.toString());
            // What virt-df printed: libguestfs's appliance kernel replayed the log before statfs.
            StatFs s = fs.statfs();
            String[] df = exp.get("virt-df").get(0).split(",");
            long kb = s.blockSize() / 1024;
            assertEquals(Long.parseLong(df[2]), s.blocks() * kb);
            assertEquals(Long.parseLong(df[3]), (s.blocks() - s.freeBlocks()) * kb);
            assertEquals(Long.parseLong(df[4]), s.availableBlocks() * kb);
        }
        try (XfsTestImages.Opened o = XfsTestImages.open(img, FsOptions.defaults().withReplayJournal(false))) {
            GuestFileSystem fs = o.fs();
            assertTrue(fs.warnings().stream().anyMatch(w -> w.contains("log is dirty")), fs.warnings().toString());
            long k = XfsTestImages.resolve(fs, "/k");
            assertNull(fs.lookup(k, "after".getBytes(StandardCharsets.UTF_8)),
                    "without replay, the directory made just before the crash is only in the log");
            StatFs s = fs.statfs();
            String[] df = exp.get("virt-df").get(0).split(",");
            assertEquals(Long.parseLong(df[2]), s.blocks() * (s.blockSize() / 1024));
        }
        assertEquals(before, XfsLogReplayTest.sha256(img), "the image is never written");
        try (XfsTestImages.Opened clean = XfsTestImages.open(Fixtures.expand("xfs-kernel-v5.img", dir))) {
            assertEquals(XfsLog.State.CLEAN, ((XfsFileSystem) clean.fs()).logVerdict().state());
        }
    }

    @Test
    void holesAndUnwrittenExtentsKeepTheirShape() throws IOException {
        Path img = Fixtures.expand("xfs-kernel-v5.img", dir);
        try (XfsTestImages.Opened o = XfsTestImages.open(img)) {
            GuestFileSystem fs = o.fs();
            try (BlockDevice f = fs.open(XfsTestImages.resolve(fs, "/k/sparse5g"))) {
                assertEquals(5L * 1024 * 1024 * 1024 + 4096, f.size());
                assertEquals(new Extent(0, 4096, Extent.Status.DATA, 0, -1, false, null), f.mapping(0, Long.MAX_VALUE));
                Extent hole = f.mapping(4096, Long.MAX_VALUE);
                assertEquals(Extent.Status.UNALLOCATED, hole.status());
                assertEquals(5L * 1024 * 1024 * 1024, hole.end());
                byte[] tail = new byte[4096];
                f.read(5L * 1024 * 1024 * 1024, ByteBuffer.wrap(tail));
                byte[] e = new byte[4096];
                java.util.Arrays.fill(e, (byte) 0x45);
                assertArrayEquals(e, tail);
            }
            try (BlockDevice f = fs.open(XfsTestImages.resolve(fs, "/k/unwritten"))) {
                assertEquals(Extent.Status.ZERO, f.mapping(0, Long.MAX_VALUE).status());
                assertEquals(4096, f.mapping(0, Long.MAX_VALUE).length());
                assertEquals(Extent.Status.DATA, f.mapping(4096, Long.MAX_VALUE).status());
                assertEquals(Extent.Status.ZERO, f.mapping(8192, Long.MAX_VALUE).status());
                assertEquals(1 << 20, f.mapping(8192, Long.MAX_VALUE).end());
            }
            try (BlockDevice f = fs.open(XfsTestImages.resolve(fs, "/k/frag"))) {
                int runs = 0;
                for (long pos = 0; pos < f.size(); runs++) {
                    Extent r = f.mapping(pos, Long.MAX_VALUE);
                    assertEquals(runs % 2 == 0 ? Extent.Status.DATA : Extent.Status.UNALLOCATED, r.status());
                    assertEquals(4096, r.length());
                    pos = r.end();
                }
                assertEquals(3072, runs, "1536 data blocks, each followed by a hole");
            }
        }
    }

    @Test
    void concurrentReadersSeeTheSameFilesystem() throws Exception {
        Path img = Fixtures.expand("xfs-kernel-1k.img", dir);
        try (XfsTestImages.Opened o = XfsTestImages.open(img)) {
            FsWalker baseline = new FsWalker(4 << 20, true);
            baseline.walk(o.fs());
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
            try {
                List<java.util.concurrent.Future<FsWalker>> runs = new ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    runs.add(pool.submit(() -> {
                        FsWalker w = new FsWalker(4 << 20, true);
                        w.walk(o.fs());
                        return w;
                    }));
                }
                for (java.util.concurrent.Future<FsWalker> r : runs) {
                    FsWalker w = r.get();
                    assertEquals(0, w.ioErrors, w.errors.toString());
                    assertEquals(baseline.report, w.report);
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }
}
