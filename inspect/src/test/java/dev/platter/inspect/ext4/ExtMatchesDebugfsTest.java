package dev.platter.inspect.ext4;

import dev.platter.core.image.Image;
import dev.platter.core.image.Images;
import dev.platter.core.image.OpenOptions;
import dev.platter.inspect.fs.DirEntry;
import dev.platter.inspect.fs.FileStat;
import dev.platter.inspect.fs.FileType;
import dev.platter.inspect.fs.FsOptions;
import dev.platter.testdata.RequiresTool;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every tree variant of make-ext-images.sh read through Platter and through debugfs: listings (names as bytes,
 * inode numbers, order), every stat field, every file's block map (extents, unwritten extents, indirect blocks),
 * every file's contents byte for byte, symlink targets and extended attributes must agree.
 */
@RequiresTool({"mkfs.ext4", "debugfs", "e2fsck"})
class ExtMatchesDebugfsTest {
    private static final Map<String, Opened> OPENED = new HashMap<>();

    /** An image opened once per variant, with its full walk. */
    record Opened(Path path, Image image, Ext4FileSystem fs, List<Walk.Node> nodes) {
        Map<Long, Walk.Node> byInode() {
            Map<Long, Walk.Node> m = new LinkedHashMap<>();
            for (Walk.Node n : nodes) {
                m.putIfAbsent(n.entry().inode(), n);
            }
            return m;
        }
    }

    static synchronized Opened open(String variant) throws IOException {
        Opened o = OPENED.get(variant);
        if (o == null) {
            Path path = ExtImages.get(variant);
            Image image = Images.open(path, OpenOptions.readOnlyDefaults().withFormat("raw"));
            // debugfs reads what is on disk: a dirty image is compared as it stands, without journal replay (the
            // replayed view has its own oracles in JournalReplayTest and ExtKernelJournalTest).
            Ext4FileSystem fs = Ext4FileSystem.open(image, FsOptions.defaults().withReplayJournal(
                    !variant.endsWith("-dirty")));
            o = new Opened(path, image, fs, Walk.all(fs));
            OPENED.put(variant, o);
        }
        return o;
    }

    @AfterAll
    static synchronized void closeAll() throws IOException {
        for (Opened o : OPENED.values()) {
            o.image().close();
        }
        OPENED.clear();
    }

    @ParameterizedTest
    @ValueSource(strings = {"ext4", "ext4-inline", "ext4-32bit", "ext4-1k", "ext4-2k", "ext4-64k", "ext4-bigalloc",
        "ext4-metabg", "ext4-features", "ext4-nodirindex", "ext3", "ext2-1k", "ext4-kernel", "ext4-kernel-dirty"})
    void listingsMatch(String variant) throws IOException {
        Opened o = open(variant);
        List<String> dirs = new ArrayList<>(List.of("/"));
        Map<String, Long> dirInodes = new HashMap<>(Map.of("/", 2L));
        for (Walk.Node n : o.nodes()) {
            if (n.isDir()) {
                dirs.add(n.path());
                dirInodes.put(n.path(), n.entry().inode());
            }
        }
        List<String> cmds = dirs.stream().map(d -> "ls -p " + Debugfs.quote(d)).toList();
        Map<String, String> out = Debugfs.run(o.path(), cmds);
        int names = 0;
        for (String d : dirs) {
            List<Debugfs.LsEntry> expected = Debugfs.parseLsP(out.get("ls -p " + Debugfs.quote(d)));
            List<DirEntry> actual = o.fs().list(dirInodes.get(d));
            assertEquals(expected.size(), actual.size(), variant + " " + d + " entry count");
            for (int i = 0; i < expected.size(); i++) {
                Debugfs.LsEntry e = expected.get(i);
                DirEntry a = actual.get(i);
                assertEquals(e.name(), new String(a.rawName(), StandardCharsets.ISO_8859_1), variant + " " + d);
                assertEquals(e.inode(), a.inode(), variant + " " + d + "/" + e.name());
                assertEquals(FileType.fromMode(e.mode()), a.type(), variant + " " + d + "/" + e.name() + " type");
                names++;
            }
        }
        assertTrue(names > (kernelMade(variant) ? 15 : 2500), "the tree holds every name: " + names);
        if (!variant.endsWith("-dirty")) {
            assertTrue(o.fs().warnings().isEmpty(), o.fs().warnings().toString());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"ext4", "ext4-inline", "ext4-32bit", "ext4-1k", "ext4-2k", "ext4-64k", "ext4-bigalloc",
        "ext4-metabg", "ext4-features", "ext4-nodirindex", "ext3", "ext2-1k", "ext4-kernel", "ext4-kernel-dirty"})
    void statsMatch(String variant) throws IOException {
        Opened o = open(variant);
        Map<Long, Walk.Node> inodes = o.byInode();
        inodes.putIfAbsent(2L, null);
        Map<String, String> out = Debugfs.run(o.path(), inodes.keySet().stream().map(i -> "stat <" + i + ">").toList());
        for (long ino : inodes.keySet()) {
            String s = out.get("stat <" + ino + ">");
            String what = variant + " inode " + ino;
            FileStat st = o.fs().stat(ino);
            assertEquals(ino, st.inode());
            assertEquals(expectedMode(s), st.mode(), what + " mode");
            assertEquals(num(s, "User:\\s+(\\d+)"), st.uid(), what + " uid");
            assertEquals(num(s, "Group:\\s+(\\d+)"), st.gid(), what + " gid");
            assertEquals(num(s, "Size: (\\d+)"), st.size(), what + " size");
            assertEquals(num(s, "Links: (\\d+)"), st.nlink(), what + " links");
            assertEquals(num(s, "Blockcount: (\\d+)") + inlineSectors(s), st.blocks(), what + " blocks");
            assertEquals(time(s, "atime"), st.atime(), what + " atime");
            assertEquals(time(s, "mtime"), st.mtime(), what + " mtime");
            assertEquals(time(s, "ctime"), st.ctime(), what + " ctime");
            assertEquals(time(s, "crtime"), st.crtime(), what + " crtime");
            Matcher dev = Pattern.compile("Device major/minor number: (\\d+):(\\d+)").matcher(s);
            if (dev.find()) {
                assertEquals(Long.parseLong(dev.group(1)), st.rdevMajor(), what + " major");
                assertEquals(Long.parseLong(dev.group(2)), st.rdevMinor(), what + " minor");
            } else {
                assertEquals(0, st.rdevMajor() | st.rdevMinor(), what + " rdev");
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"ext4", "ext4-inline", "ext4-32bit", "ext4-1k", "ext4-2k", "ext4-64k", "ext4-bigalloc",
        "ext4-metabg", "ext4-features", "ext4-nodirindex", "ext3", "ext2-1k", "ext4-kernel", "ext4-kernel-dirty"})
    void blockMapsMatch(String variant) throws IOException {
        Opened o = open(variant);
        Map<Long, Walk.Node> inodes = o.byInode();
        Map<String, String> out = Debugfs.run(o.path(), inodes.keySet().stream().map(i -> "stat <" + i + ">").toList());
        int mapped = 0;
        for (long ino : inodes.keySet()) {
            String s = out.get("stat <" + ino + ">");
            Inode inode = o.fs().inode(ino);
            if (inode.hasFlag(Inode.FLAG_INLINE_DATA) || !(s.contains("\nEXTENTS:") || s.contains("\nBLOCKS:"))) {
                continue;
            }
            TreeMap<Long, String> expected = expectedBlocks(s);
            TreeMap<Long, String> actual = new TreeMap<>();
            BlockMapper m = o.fs().mapper(inode);
            for (long lb = 0; lb < BlockMapper.LOGICAL_LIMIT; ) {
                BlockRun r = m.map(lb);
                assertTrue(r.count() > 0);
                if (r.kind() != BlockRun.Kind.HOLE) {
                    for (long k = 0; k < r.count(); k++) {
                        actual.put(lb + k, (r.physical() + k) + (r.kind() == BlockRun.Kind.UNWRITTEN ? "u" : ""));
                    }
                }
                lb += r.count();
            }
            assertEquals(expected, actual, variant + " inode " + ino + " (" + inodes.get(ino).path() + ") block map");
            mapped++;
        }
        assertTrue(mapped > (kernelMade(variant) ? 5 : 20), mapped + " block maps");
    }

    @ParameterizedTest
    @ValueSource(strings = {"ext4", "ext4-inline", "ext4-32bit", "ext4-1k", "ext4-2k", "ext4-64k", "ext4-bigalloc",
        "ext4-metabg", "ext4-features", "ext4-nodirindex", "ext3", "ext2-1k", "ext4-kernel", "ext4-kernel-dirty"})
    void contentsAndLinksMatch(String variant) throws IOException {
        Opened o = open(variant);
        Path dump = ExtImages.scratch("dump-" + variant);
        Map<Long, Walk.Node> inodes = o.byInode();
        List<String> cmds = new ArrayList<>();
        for (Map.Entry<Long, Walk.Node> e : inodes.entrySet()) {
            FileType t = e.getValue().entry().type();
            long size = o.fs().stat(e.getKey()).size();
            if ((t == FileType.REGULAR && size > 0 && size < (64 << 20)) || t == FileType.SYMLINK) {
                cmds.add("dump <" + e.getKey() + "> " + dump.resolve(String.valueOf(e.getKey())));
                cmds.add("stat <" + e.getKey() + ">");
            }
        }
        Map<String, String> out = Debugfs.run(o.path(), cmds);
        int files = 0, links = 0;
        for (Map.Entry<Long, Walk.Node> e : inodes.entrySet()) {
            long ino = e.getKey();
            FileType t = e.getValue().entry().type();
            String what = variant + " " + e.getValue().path();
            if (t == FileType.SYMLINK) {
                String stat = out.get("stat <" + ino + ">");
                Matcher fast = Pattern.compile("Fast link dest: \"(.*)\"").matcher(stat);
                byte[] expected = fast.find() ? fast.group(1).getBytes(StandardCharsets.ISO_8859_1)
                        : Files.readAllBytes(dump.resolve(String.valueOf(ino)));
                assertArrayEquals(expected, o.fs().readlink(ino), what);
                links++;
            } else if (t == FileType.REGULAR) {
                var file = o.fs().open(ino);
                if (file.size() >= (64 << 20)) {
                    continue;
                }
                if (file.size() == 0) {
                    files++;
                    continue;
                }
                byte[] actual = new byte[(int) file.size()];
                file.read(0, ByteBuffer.wrap(actual));
                byte[] expected = Files.readAllBytes(dump.resolve(String.valueOf(ino)));
                if (o.fs().inode(ino).hasFlag(Inode.FLAG_INLINE_DATA) && expected.length != actual.length) {
                    // debugfs 1.47.0 dumps the whole inline area whatever i_size says; past the shorter of the two,
                    // both must be zeros (the kernel reads an inline file's bytes beyond its inline area as zeros).
                    int n = Math.min(expected.length, actual.length);
                    byte[] longer = expected.length > n ? expected : actual;
                    assertArrayEquals(new byte[longer.length - n], Arrays.copyOfRange(longer, n, longer.length), what);
                    expected = Arrays.copyOf(expected, n);
                    actual = Arrays.copyOf(actual, n);
                }
                assertArrayEquals(expected, actual, what);
                files++;
            }
        }
        assertTrue(kernelMade(variant) ? files > 5 && links >= 1 : files > 2400 && links >= 7,
                files + " files, " + links + " links");
    }

    @ParameterizedTest
    @ValueSource(strings = {"ext4", "ext4-inline", "ext4-32bit", "ext4-1k", "ext4-2k", "ext4-64k", "ext4-bigalloc",
        "ext4-metabg", "ext4-features", "ext4-nodirindex", "ext3", "ext2-1k"})
    void bigSparseFileReadsThroughHoles(String variant) throws IOException {
        Opened o = open(variant);
        long ino = o.fs().lookup(o.fs().lookup(2, "huge".getBytes()).inode(), "sparse_5g.bin".getBytes()).inode();
        var file = o.fs().open(ino);
        assertEquals(5L << 30, file.size());
        assertEquals("START", new String(file.readBytes(0, 5), StandardCharsets.US_ASCII));
        assertEquals("MIDDLE", new String(file.readBytes(4_500_000_000L, 6), StandardCharsets.US_ASCII));
        assertEquals("END", new String(file.readBytes((5L << 30) - 3, 3), StandardCharsets.US_ASCII));
        byte[] zeros = file.readBytes(1L << 32, 8192);
        assertArrayEquals(new byte[8192], zeros);
        // The mapping walks the whole 5 GiB in a handful of runs: data islands and holes.
        long pos = 0, runs = 0, data = 0;
        while (pos < file.size()) {
            var ext = file.mapping(pos, Long.MAX_VALUE);
            if (!ext.readsAsZero()) {
                data += ext.length();
            }
            pos = ext.end();
            runs++;
        }
        assertTrue(runs < 40, runs + " runs");
        assertTrue(data > 0 && data <= 3L * 65536, data + " data bytes");
    }

    @ParameterizedTest
    @ValueSource(strings = {"ext4", "ext4-inline", "ext4-32bit", "ext4-1k", "ext4-2k", "ext4-64k", "ext4-bigalloc",
        "ext4-metabg", "ext4-features", "ext4-nodirindex", "ext3", "ext2-1k", "ext4-kernel", "ext4-kernel-dirty"})
    void xattrsMatch(String variant) throws IOException {
        Opened o = open(variant);
        Map<Long, Walk.Node> inodes = o.byInode();
        inodes.putIfAbsent(2L, null);
        Map<String, String> lists = Debugfs.run(o.path(), inodes.keySet().stream().map(i -> "ea_list <" + i + ">").toList());
        Path dir = ExtImages.scratch("xattr-" + variant);
        List<String> gets = new ArrayList<>();
        Map<Long, List<String>> names = new LinkedHashMap<>();
        Pattern entry = Pattern.compile("^  (\\S+) \\((\\d+)\\)", Pattern.MULTILINE);
        for (long ino : inodes.keySet()) {
            Matcher m = entry.matcher(lists.get("ea_list <" + ino + ">"));
            List<String> n = new ArrayList<>();
            while (m.find()) {
                if (!m.group(1).equals("system.data")) {
                    n.add(m.group(1));
                    gets.add("ea_get -f " + dir.resolve(ino + "." + m.group(1)) + " <" + ino + "> " + m.group(1));
                }
            }
            names.put(ino, n);
        }
        Debugfs.run(o.path(), gets);
        int values = 0;
        for (long ino : inodes.keySet()) {
            Map<String, byte[]> actual = o.fs().xattrs(ino);
            assertEquals(names.get(ino), new ArrayList<>(actual.keySet()), variant + " inode " + ino + " xattr names");
            for (String name : names.get(ino)) {
                byte[] expected = Files.readAllBytes(dir.resolve(ino + "." + name));
                if (name.startsWith("system.posix_acl")) {
                    expected = kernelAclForm(expected);
                }
                assertArrayEquals(expected, actual.get(name), variant + " inode " + ino + " " + name);
                values++;
            }
        }
        assertTrue(values >= (kernelMade(variant) ? 60 : 17), values + " values");
    }

    @Test
    void eaInodeValuesAreReadFromTheirOwnInode() throws IOException {
        Opened o = open("ext4-features");
        long ino = ExtHostileTest.path(o.fs(), "/files/xattr_big");
        Inode inode = o.fs().inode(ino);
        List<Xattrs.Attr> attrs = new ArrayList<>(Xattrs.inBody(o.fs(), inode));
        attrs.addAll(Xattrs.inBlock(o.fs(), inode));
        Xattrs.Attr huge = attrs.stream().filter(a -> "user.huge".equals(a.entry().fullName())).findFirst().orElseThrow();
        assertTrue(huge.entry().valueInode() != 0, "stored in an EA inode");
        assertTrue(o.fs().inode(huge.entry().valueInode()).hasFlag(Inode.FLAG_EA_INODE));
        assertArrayEquals("E".repeat(4096).getBytes(StandardCharsets.US_ASCII), o.fs().xattrs(ino).get("user.huge"));
    }

    private static boolean kernelMade(String variant) {
        return variant.startsWith("ext4-kernel");
    }

    /** debugfs writes ids of 0 for the tags without one; the kernel (and so Platter) writes 0xFFFFFFFF. */
    static byte[] kernelAclForm(byte[] acl) {
        byte[] b = acl.clone();
        for (int off = 4; off + 8 <= b.length; off += 8) {
            int tag = (b[off] & 0xFF) | (b[off + 1] & 0xFF) << 8;
            if (tag != 2 && tag != 8) {
                Arrays.fill(b, off + 4, off + 8, (byte) 0xFF);
            }
        }
        return b;
    }

    // ---------------------------------------------------------------------------------------------------------

    private static long num(String s, String regex) {
        Matcher m = Pattern.compile(regex).matcher(s);
        assertTrue(m.find(), regex + " in\n" + s);
        return Long.parseLong(m.group(1));
    }

    private static int expectedMode(String s) {
        Matcher m = Pattern.compile("Type: (.+?)\\s+Mode:\\s+(\\d+)").matcher(s);
        assertTrue(m.find(), s);
        int type = switch (m.group(1)) {
            case "regular" -> 0x8000;
            case "directory" -> 0x4000;
            case "symlink" -> 0xA000;
            case "character special" -> 0x2000;
            case "block special" -> 0x6000;
            case "FIFO" -> 0x1000;
            case "socket" -> 0xC000;
            default -> 0;
        };
        return type | Integer.parseInt(m.group(2), 8);
    }

    private static final DateTimeFormatter DEBUGFS_TIME =
            DateTimeFormatter.ofPattern("EEE MMM ppd HH:mm:ss yyyy", Locale.US);

    /** A time from debugfs's stat: its decoded date (seconds, epoch bits applied) and the extra word's nanoseconds. */
    private static Instant time(String s, String field) {
        Matcher m = Pattern.compile("(?m)^\\s*" + field + ": 0x([0-9a-f]+)(?::([0-9a-f]+))? -- (.*)$").matcher(s);
        if (!m.find()) {
            return null;
        }
        long sec = LocalDateTime.parse(m.group(3).trim(), DEBUGFS_TIME).toEpochSecond(ZoneOffset.UTC);
        long nsec = m.group(2) == null ? 0 : Long.parseLong(m.group(2), 16) >>> 2;
        return Instant.ofEpochSecond(sec, nsec);
    }

    /** Logical block -> physical block ("u" appended for unwritten) from stat's EXTENTS: or BLOCKS: list. */
    private static TreeMap<Long, String> expectedBlocks(String stat) {
        TreeMap<Long, String> map = new TreeMap<>();
        int at = Math.max(stat.indexOf("\nEXTENTS:"), stat.indexOf("\nBLOCKS:"));
        String list = stat.substring(at);
        Matcher m = Pattern.compile("\\((\\d+)(?:-(\\d+))?(\\[u\\])?\\):(\\d+)(?:-(\\d+))?").matcher(list);
        while (m.find()) {
            long from = Long.parseLong(m.group(1));
            long to = m.group(2) == null ? from : Long.parseLong(m.group(2));
            long phys = Long.parseLong(m.group(4));
            for (long l = from; l <= to; l++) {
                map.put(l, (phys + l - from) + (m.group(3) != null ? "u" : ""));
            }
        }
        assertNotNull(map);
        return map;
    }

    /** The sectors the kernel's stat adds to a regular file's i_blocks for its inline data (ext4_file_getattr). */
    private static long inlineSectors(String debugfsStat) {
        Matcher flags = Pattern.compile("Flags: 0x([0-9a-f]+)").matcher(debugfsStat);
        boolean inline = flags.find() && (Long.parseLong(flags.group(1), 16) & 0x10000000L) != 0;
        return inline && debugfsStat.contains("Type: regular") ? (num(debugfsStat, "Size: (\\d+)") + 511) >> 9 : 0;
    }
}
