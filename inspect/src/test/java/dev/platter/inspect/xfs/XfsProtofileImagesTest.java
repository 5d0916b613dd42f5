package dev.platter.inspect.xfs;

import dev.platter.core.BlockDevice;
import dev.platter.core.Extent;
import dev.platter.inspect.fs.DirEntry;
import dev.platter.inspect.fs.FileStat;
import dev.platter.inspect.fs.FileType;
import dev.platter.inspect.fs.GuestFileSystem;
import dev.platter.inspect.fs.StatFs;
import dev.platter.testdata.RequiresTool;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every protofile variant (v5 and v4, 512 B to 64 KiB blocks, 4 KiB sectors, 16 KiB directory blocks, ftype on and
 * off, bigtime, nrext64, rmapbt) read back against what the generator put in and what xfs_db reports.
 */
@RequiresTool({"mkfs.xfs", "xfs_db"})
class XfsProtofileImagesTest {
    @TempDir
    static Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"v5", "v5-nobigtime", "v5-rhel7", "v4", "v4-512", "v5-1k", "v5-64k", "v5-dir16k",
            "v5-4ksect", "v5-nrext64", "v5-rmapbt", "v5-ci"})
    void readsEverythingTheToolsWrote(String variant) throws IOException {
        XfsTestImages.build(dir, Map.of(), variant);
        Path img = dir.resolve(variant + ".img");
        try (XfsTestImages.Opened o = XfsTestImages.open(img)) {
            GuestFileSystem fs = o.fs();
            assertEquals("xfs", fs.type());
            assertEquals(variant.substring(0, Math.min(12, variant.length())), fs.label());
            assertEquals("11111111-2222-3333-4444-666666666666", fs.uuid());
            assertEquals(List.of(), fs.warnings(), "a fresh filesystem has a clean log");

            List<XfsTestImages.Entry> manifest = XfsTestImages.manifest(dir, variant);
            for (XfsTestImages.Entry e : manifest) {
                checkEntry(fs, e);
            }
            checkListingsAgainstXfsDb(fs, img, manifest);
            checkStatAgainstXfsDb(fs, img, List.of("/", "/files/big.bin", "/links/sym300", "/dev/bigdev",
                    "/dirs/d50k", "/meta/owned"));
            checkDirectoryShapes(img);
            if (variant.equals("v5-nrext64")) {
                // The large extent counters are per inode: make sure this variant's inodes really use them.
                Map<String, String> d = XfsTestImages.xfsDbFields(img, "path /dirs/d50k", "print v3.flags2");
                assertTrue((Long.decode(d.get("v3.flags2")) & InodeCore.FLAG2_NREXT64) != 0, d.toString());
            }
            checkStatFs(fs, img);
            assertEquals(List.of(), fs.warnings());
        } finally {
            Files.deleteIfExists(img);
        }
    }

    private static void checkEntry(GuestFileSystem fs, XfsTestImages.Entry e) throws IOException {
        long ino = XfsTestImages.resolve(fs, e.path());
        assertTrue(ino > 0, e.path() + " not found");
        FileStat st = fs.stat(ino);
        String p = e.path();
        assertEquals(e.mode(), st.permissions(), p + " mode");
        assertEquals(e.uid(), st.uid(), p + " uid");
        assertEquals(e.gid(), st.gid(), p + " gid");
        switch (e.type()) {
            case "f" -> {
                assertEquals(FileType.REGULAR, st.type(), p);
                assertEquals(1, st.nlink(), p);
                byte[] expected = Files.readAllBytes(dir.resolve("src").resolve(e.extra()));
                assertEquals(expected.length, st.size(), p + " size");
                try (BlockDevice file = fs.open(ino)) {
                    byte[] actual = new byte[(int) file.size()];
                    file.read(0, ByteBuffer.wrap(actual));
                    assertArrayEquals(expected, actual, p + " contents");
                    if (file.size() > 0) {
                        // Protofiles write every file densely: one DATA run.
                        Extent run = file.mapping(0, Long.MAX_VALUE);
                        assertEquals(Extent.Status.DATA, run.status(), p);
                        assertEquals(file.size(), run.length(), p);
                    }
                }
                assertEquals(Map.of(), fs.xattrs(ino), p);
            }
            case "l" -> {
                assertEquals(FileType.SYMLINK, st.type(), p);
                assertEquals(e.size(), st.size(), p);
                assertEquals(e.extra(), new String(fs.readlink(ino), StandardCharsets.ISO_8859_1), p);
            }
            case "c", "b", "p" -> {
                FileType t = switch (e.type()) {
                    case "c" -> FileType.CHAR_DEVICE;
                    case "b" -> FileType.BLOCK_DEVICE;
                    default -> FileType.FIFO;
                };
                assertEquals(t, st.type(), p);
                if (!e.type().equals("p")) {
                    String[] mm = e.extra().split(":");
                    assertEquals(Long.parseLong(mm[0]), st.rdevMajor(), p + " major");
                    assertEquals(Long.parseLong(mm[1]), st.rdevMinor(), p + " minor");
                }
            }
            case "d" -> assertEquals(FileType.DIRECTORY, st.type(), p);
            case "bigdir" -> {
                assertEquals(FileType.DIRECTORY, st.type(), p);
                int count = Integer.parseInt(e.extra());
                List<DirEntry> list = fs.list(ino);
                List<String> names = new ArrayList<>();
                for (DirEntry d : list) {
                    names.add(d.name());
                }
                List<String> all = XfsTestImages.bigDirNames(count);
                Set<String> expected = new TreeSet<>(all);
                assertEquals(expected, new TreeSet<>(names), p + " names");
                assertEquals(count, names.size(), p + " no duplicates");
                // Hashed lookups: every 97th name, plus names that are absent.
                for (int i = 0; i < count; i += Math.max(1, count / 97)) {
                    String name = all.get(i);
                    DirEntry found = fs.lookup(ino, name.getBytes(StandardCharsets.UTF_8));
                    assertNotNull(found, p + "/" + name);
                    assertEquals(name, found.name());
                }
                assertNull(fs.lookup(ino, "file_999999_absent".getBytes(StandardCharsets.UTF_8)));
                assertNull(fs.lookup(ino, "a".getBytes(StandardCharsets.UTF_8)));
            }
            default -> throw new AssertionError(e.type());
        }
    }

    private static void checkListingsAgainstXfsDb(GuestFileSystem fs, Path img, List<XfsTestImages.Entry> manifest)
            throws IOException {
        List<String> dirs = new ArrayList<>();
        for (XfsTestImages.Entry e : manifest) {
            if (e.type().equals("d")) {
                dirs.add(e.path());
            }
        }
        boolean ftype = fs instanceof XfsFileSystem x && x.context().sb.hasFtype();
        Map<String, List<XfsTestImages.DbEntry>> db = XfsTestImages.xfsDbLs(img, dirs);
        assertEquals(dirs.size(), db.size());
        for (String d : dirs) {
            long ino = XfsTestImages.resolve(fs, d);
            List<DirEntry> ours = fs.list(ino);
            List<XfsTestImages.DbEntry> theirs = db.get(d);
            Map<String, XfsTestImages.DbEntry> byName = new HashMap<>();
            for (XfsTestImages.DbEntry t : theirs) {
                byName.put(t.name(), t);
                // The da hash agrees with xfs_db's for every name.
                assertEquals(t.hash(), DaHash.hash(XfsTestImages.bytes(t.name()), false) & 0xFFFFFFFFL, t.name());
            }
            assertEquals(theirs.size() - 2, ours.size(), d + ": entries besides . and ..");
            for (DirEntry e : ours) {
                String name = new String(e.rawName(), StandardCharsets.ISO_8859_1);
                XfsTestImages.DbEntry t = byName.get(name);
                assertNotNull(t, d + "/" + name + " missing from xfs_db's listing");
                assertEquals(t.inode(), e.inode(), d + "/" + name);
                if (ftype) {
                    assertEquals(t.type(), dbType(e.type()), d + "/" + name);
                } else {
                    assertNull(e.type(), d + "/" + name);
                }
                if (theirs.size() < 1000) {
                    DirEntry looked = fs.lookup(ino, e.rawName());
                    assertEquals(e, looked, d + "/" + name + " lookup");
                }
            }
            DirEntry dot = fs.lookup(ino, new byte[] {'.'});
            assertEquals(ino, dot.inode(), d + "/.");
            DirEntry dotdot = fs.lookup(ino, new byte[] {'.', '.'});
            assertEquals(byName.get("..").inode(), dotdot.inode(), d + "/..");
            assertNull(fs.lookup(ino, XfsTestImages.bytes("no-such-name")), d);
        }
    }

    private static String dbType(FileType t) {
        return switch (t) {
            case REGULAR -> "regular";
            case DIRECTORY -> "directory";
            case SYMLINK -> "symlink";
            case CHAR_DEVICE -> "chardev";
            case BLOCK_DEVICE -> "blkdev";
            case FIFO -> "fifo";
            case SOCKET -> "socket";
            default -> "unknown";
        };
    }

    private static final DateTimeFormatter CTIME =
            DateTimeFormatter.ofPattern("EEE MMM ppd HH:mm:ss yyyy", Locale.ROOT).withZone(ZoneOffset.UTC);

    private static void checkStatAgainstXfsDb(GuestFileSystem fs, Path img, List<String> paths) throws IOException {
        for (String p : paths) {
            long ino = XfsTestImages.resolve(fs, p);
            FileStat st = fs.stat(ino);
            Map<String, String> f = XfsTestImages.xfsDbFields(img, "inode " + ino, "print");
            assertEquals(Integer.parseInt(f.get("core.mode"), 8), st.mode(), p + " mode");
            String nlink = f.containsKey("core.nlinkv2") ? f.get("core.nlinkv2") : f.get("core.nlinkv1");
            assertEquals(Long.parseLong(nlink), st.nlink(), p + " nlink");
            assertEquals(Long.parseLong(f.get("core.uid")), st.uid(), p + " uid");
            assertEquals(Long.parseLong(f.get("core.gid")), st.gid(), p + " gid");
            assertEquals(Long.parseLong(f.get("core.size")), st.size(), p + " size");
            long bs = ((XfsFileSystem) fs).context().geo.blockSize;
            assertEquals(Long.parseLong(f.get("core.nblocks")) * bs / 512, st.blocks(), p + " blocks");
            for (String t : List.of("atime", "mtime", "ctime")) {
                Instant expected = Instant.from(CTIME.parse(f.get("core." + t + ".sec")))
                        .plusNanos(Long.parseLong(f.get("core." + t + ".nsec")));
                Instant actual = switch (t) {
                    case "atime" -> st.atime();
                    case "mtime" -> st.mtime();
                    default -> st.ctime();
                };
                assertEquals(expected, actual, p + " " + t);
            }
            if (f.containsKey("v3.crtime.sec")) {
                Instant expected = Instant.from(CTIME.parse(f.get("v3.crtime.sec")))
                        .plusNanos(Long.parseLong(f.get("v3.crtime.nsec")));
                assertEquals(expected, st.crtime(), p + " crtime");
            } else {
                assertNull(st.crtime(), p + " crtime on a v2 inode");
            }
        }
    }

    /** The generator's directories take every shape: checked with xfs_db so the coverage claim stays true. */
    private static void checkDirectoryShapes(Path img) {
        Map<String, String> d3 = XfsTestImages.xfsDbFields(img, "path /dirs/d3", "print core.format");
        assertTrue(d3.get("core.format").startsWith("1 "), "d3 is shortform");
        Map<String, String> d50k = XfsTestImages.xfsDbFields(img, "path /dirs/d50k", "print core.format");
        assertTrue(d50k.get("core.format").startsWith("3 "), "d50k has a btree data fork");
    }

    private static void checkStatFs(GuestFileSystem fs, Path img) throws IOException {
        Map<String, String> sb = XfsTestImages.xfsDbFields(img, "sb 0", "print");
        long dblocks = Long.parseLong(sb.get("dblocks"));
        long logblocks = Long.parseLong(sb.get("logblocks"));
        long agcount = Long.parseLong(sb.get("agcount"));
        long fdblocks = Long.parseLong(sb.get("fdblocks"));
        long icount = Long.parseLong(sb.get("icount"));
        long ifree = Long.parseLong(sb.get("ifree"));
        long imaxPct = Long.parseLong(sb.get("imax_pct"));
        long inopblock = Long.parseLong(sb.get("inopblock"));
        int inopblog = Integer.parseInt(sb.get("inopblog"));
        StatFs s = fs.statfs();
        assertEquals(Long.parseLong(sb.get("blocksize")), s.blockSize());
        assertEquals(dblocks - logblocks, s.blocks());
        long bfree = fdblocks - 8 * agcount;
        assertEquals(bfree, s.freeBlocks());
        assertEquals(bfree, s.availableBlocks());
        long chunk = Math.max(1, 64 / inopblock);
        long maxIcount = (dblocks * imaxPct / 100 / chunk * chunk) << inopblog;
        long files = Math.max(Math.min(icount + (bfree << inopblog), maxIcount), icount);
        assertEquals(files, s.files());
        assertEquals(files - (icount - ifree), s.freeFiles());
        assertEquals(255, s.nameMax());
    }
}
