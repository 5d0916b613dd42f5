package dev.platter.inspect.testing;

import dev.platter.core.BlockDevice;
import dev.platter.core.Extent;
import dev.platter.core.image.Image;
import dev.platter.core.image.Images;
import dev.platter.core.image.OpenOptions;
import dev.platter.inspect.fs.DirEntry;
import dev.platter.inspect.fs.FileStat;
import dev.platter.inspect.fs.FileType;
import dev.platter.inspect.fs.GuestFileSystem;
import dev.platter.inspect.fs.StatFs;
import dev.platter.inspect.guest.DetectedFilesystem;
import dev.platter.inspect.guest.DiskSpec;
import dev.platter.inspect.guest.Errno;
import dev.platter.inspect.guest.Guest;
import dev.platter.inspect.guest.GuestFile;
import dev.platter.inspect.guest.GuestFileException;
import dev.platter.inspect.guest.GuestOptions;
import dev.platter.inspect.guest.Mounts;
import dev.platter.testdata.Fixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.function.Executable;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * What every {@link GuestFileSystem} driver must do, proven on one common tree. A driver proves itself by extending
 * this class with an image of that tree made by the real tools (testdata/scripts/make-contract-fixtures.sh, which
 * describes the tree; this class spells out the same) and saying how to open it:
 *
 * <pre>{@code
 * class MyFsContractTest extends GuestFileSystemContract {
 *     protected String fixture() { return "contract-ext4.img"; }
 *     protected String expectedType() { return "ext4"; }
 *     protected GuestFileSystem open(BlockDevice device) throws IOException {
 *         return Ext4FileSystem.open(device, FsOptions.defaults());
 *     }
 * }
 * }</pre>
 *
 * Checked: identity (type, label, UUID, no warnings on a clean image, found through the driver SPI), listings
 * (no "." or "..", entry types agreeing with stat, every name found again by lookup), stat (types, permissions,
 * sizes, link counts, times), reads (exact bytes, any slice), holes (a sparse file's mapping tiles it with its
 * holes UNALLOCATED and reading as zeros), readlink (short and long targets, byte for byte), xattrs, statfs,
 * strict bounds (EOFException past the end, IllegalArgumentException for negative positions, IOException and never
 * a RuntimeException for wrong inodes or the wrong kind of inode), missing names (null from lookup, ENOENT and
 * ENOTDIR through a mount), symlink loops (ELOOP), concurrent readers, and {@link FsInvariants} over the tree.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class GuestFileSystemContract {
    /** Every time in the tree (mtime), as the script pins them. */
    protected static final Instant TREE_TIME = Instant.ofEpochSecond(1_700_000_000L);
    protected static final String LABEL = "contract";
    protected static final String UUID = "11111111-2222-3333-4444-00000000c0de";
    protected static final byte[] HELLO = bytes("Hello from the contract tree.\n");
    protected static final byte[] EXEC = bytes("#!/bin/sh\necho contract\n");
    protected static final int BIG_LINES = 20000;
    protected static final long SPARSE_SIZE = 4L * 1048576 + 100;
    protected static final long SPARSE_SECOND = 2L * 1048576;
    protected static final String LONG_TARGET = "./".repeat(96) + "hello.txt";
    /** The root's names. */
    protected static final Set<String> ROOT = Set.of("hello.txt", "hardlink", "exec.sh", "empty", "big.bin",
            "sparse.bin", "dir", "many", "link-rel", "link-abs", "link-dir", "link-long", "dangling", "loop-a",
            "loop-b", "self");
    /** Symlinks and their targets. */
    protected static final Map<String, String> LINKS = Map.of("link-rel", "hello.txt", "link-abs",
            "/dir/nested/deep.txt", "link-dir", "dir", "link-long", LONG_TARGET, "dangling", "does-not-exist",
            "loop-a", "loop-b", "loop-b", "loop-a", "self", "self");

    private Path dir;
    private Image image;
    private GuestFileSystem fs;
    private Guest guest;
    private Mounts mounts;

    /** The committed fixture holding the tree, e.g. "contract-ext4.img" (testdata/fixtures/NAME.xz). */
    protected abstract String fixture();

    /** The type the filesystem reports, as virt-filesystems prints it ("ext4", "xfs" ...). */
    protected abstract String expectedType();

    /** Opens the filesystem on {@code device} with the driver under test (default options). */
    protected abstract GuestFileSystem open(BlockDevice device) throws IOException;

    /** Names the format itself puts in the root directory (ext's "lost+found"); none by default. */
    protected Set<String> formatRootNames() {
        return Set.of();
    }

    /** The raw image of the tree, in {@code dir}; by default the expanded {@link #fixture()}. */
    protected Path image(Path dir) throws IOException {
        return Fixtures.expand(fixture(), dir);
    }

    @BeforeAll
    void openFixture() throws IOException {
        dir = Files.createTempDirectory("platter-contract-");
        Path img = image(dir);
        image = Images.open(img, OpenOptions.readOnlyDefaults().withFormat("raw"));
        fs = open(image);
        guest = Guest.open(List.of(new DiskSpec(img, "raw")), GuestOptions.defaults());
        mounts = guest.mounts();
        mounts.mount("/dev/sda", "/");
    }

    @AfterAll
    void closeFixture() throws IOException {
        if (fs != null) {
            fs.close();
        }
        if (image != null) {
            image.close();
        }
        if (guest != null) {
            guest.close();
        }
        if (dir != null) {
            try (var files = Files.walk(dir)) {
                for (Path p : files.sorted((a, b) -> b.compareTo(a)).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    /** The filesystem under test, opened once for the class. */
    protected GuestFileSystem fs() {
        return fs;
    }

    // --- helpers ----------------------------------------------------------------------------------------------

    protected static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** The inode of a path, by lookups from the root, following no symlink; fails when a name is missing. */
    protected long inode(String path) throws IOException {
        long ino = fs.rootInode();
        for (String name : path.split("/")) {
            if (name.isEmpty()) {
                continue;
            }
            DirEntry e = fs.lookup(ino, bytes(name));
            assertNotNull(e, path + ": " + name + " not found");
            ino = e.inode();
        }
        return ino;
    }

    protected FileStat stat(String path) throws IOException {
        return fs.stat(inode(path));
    }

    /** big.bin's bytes: numbered lines "%015d\n" from 1. */
    protected static byte[] big() {
        byte[] b = new byte[BIG_LINES * 16];
        for (int i = 0; i < BIG_LINES; i++) {
            System.arraycopy(bytes(String.format("%015d\n", i + 1)), 0, b, i * 16, 16);
        }
        return b;
    }

    /** sparse.bin's byte at {@code pos}. */
    protected static byte sparseAt(long pos) {
        if (pos < 4096) {
            return 'A';
        }
        if (pos >= SPARSE_SECOND && pos < SPARSE_SECOND + 4096) {
            return 'B';
        }
        return 0;
    }

    private static byte[] readAll(BlockDevice d) throws IOException {
        assertTrue(d.size() <= Integer.MAX_VALUE);
        return d.readBytes(0, (int) d.size());
    }

    private static String names(List<DirEntry> entries) {
        return new TreeSet<>(entries.stream().map(DirEntry::name).toList()).toString();
    }

    // --- identity ---------------------------------------------------------------------------------------------

    @Test
    void identifiesItself() throws IOException {
        assertEquals(expectedType(), fs.type());
        assertEquals(LABEL, fs.label());
        assertEquals(UUID, fs.uuid());
        assertEquals(List.of(), fs.warnings(), "a clean image opens without warnings");
        DetectedFilesystem found = guest.filesystem("/dev/sda");
        assertNotNull(found, "the driver is found through the FileSystemDriver SPI");
        assertEquals(expectedType(), found.type());
        assertEquals(LABEL, found.label());
        assertEquals(UUID, found.uuid());
    }

    // --- lookup and list --------------------------------------------------------------------------------------

    @Test
    void rootListing() throws IOException {
        assertEquals(FileType.DIRECTORY, fs.stat(fs.rootInode()).type());
        List<DirEntry> entries = fs.list(fs.rootInode());
        Set<String> seen = new HashSet<>();
        for (DirEntry e : entries) {
            assertTrue(seen.add(e.name()), "listed twice: " + e.name());
            DirEntry again = fs.lookup(fs.rootInode(), e.rawName());
            assertNotNull(again, e.name());
            assertEquals(e.inode(), again.inode(), e.name());
            if (e.type() != null) {
                assertEquals(fs.stat(e.inode()).type(), e.type(), e.name() + ": entry type and stat disagree");
            }
        }
        Set<String> want = new TreeSet<>(ROOT);
        want.addAll(formatRootNames());
        assertEquals(want, new TreeSet<>(seen), "neither '.' nor '..' nor anything else");
    }

    @Test
    void nestedAndEmptyDirectories() throws IOException {
        assertEquals("[empty, nested]", names(fs.list(inode("/dir"))));
        assertEquals("[]", names(fs.list(inode("/dir/empty"))));
        assertEquals("[deep.txt]", names(fs.list(inode("/dir/nested"))));
        DirEntry dotdot = fs.lookup(inode("/dir/nested"), bytes(".."));
        if (dotdot != null) {
            assertEquals(inode("/dir"), dotdot.inode(), "'..' of /dir/nested");
        }
    }

    @Test
    void manyNames() throws IOException {
        long many = inode("/many");
        List<DirEntry> entries = fs.list(many);
        Set<String> want = new TreeSet<>();
        for (int i = 0; i < 200; i++) {
            want.add(String.format("name_%03d", i));
        }
        assertEquals(want, new TreeSet<>(entries.stream().map(DirEntry::name).toList()));
        assertEquals(200, entries.size());
        for (String name : want) {
            DirEntry e = fs.lookup(many, bytes(name));
            assertNotNull(e, name);
            assertEquals(FileType.REGULAR, fs.stat(e.inode()).type(), name);
        }
    }

    @Test
    void missingNames() throws IOException {
        assertNull(fs.lookup(fs.rootInode(), bytes("does-not-exist")));
        assertNull(fs.lookup(fs.rootInode(), bytes("HELLO.TXT")), "lookups compare bytes exactly");
        assertNull(fs.lookup(fs.rootInode(), bytes("hello.tx")));
        assertNull(fs.lookup(inode("/many"), bytes("name_200")));
        assertNull(fs.lookup(inode("/dir/empty"), bytes("x")));
        assertErrno(Errno.ENOENT, () -> mounts.stat("/does-not-exist"));
        assertErrno(Errno.ENOENT, () -> mounts.stat("/dir/nope/deeper"));
        assertErrno(Errno.ENOTDIR, () -> mounts.stat("/hello.txt/x"));
        assertErrno(Errno.ENOENT, () -> mounts.stat("/dangling"));
        assertEquals(FileType.SYMLINK, mounts.lstat("/dangling").type());
    }

    // --- stat -------------------------------------------------------------------------------------------------

    @Test
    void statOfTheTree() throws IOException {
        record Want(String path, FileType type, int perms, long size) {
        }
        for (Want w : List.of(
                new Want("/hello.txt", FileType.REGULAR, 0644, HELLO.length),
                new Want("/exec.sh", FileType.REGULAR, 0755, EXEC.length),
                new Want("/empty", FileType.REGULAR, 0644, 0),
                new Want("/big.bin", FileType.REGULAR, 0644, BIG_LINES * 16L),
                new Want("/sparse.bin", FileType.REGULAR, 0644, SPARSE_SIZE),
                new Want("/dir", FileType.DIRECTORY, 0750, -1),
                new Want("/dir/empty", FileType.DIRECTORY, 0755, -1),
                new Want("/dir/nested/deep.txt", FileType.REGULAR, 0644, 5),
                new Want("/link-rel", FileType.SYMLINK, 0777, "hello.txt".length()),
                new Want("/link-long", FileType.SYMLINK, 0777, LONG_TARGET.length()))) {
            FileStat s = stat(w.path);
            assertEquals(w.type, s.type(), w.path);
            assertEquals(w.perms, s.permissions(), w.path);
            if (w.size >= 0) {
                assertEquals(w.size, s.size(), w.path);
            }
            assertEquals(TREE_TIME, s.mtime() == null ? null : Instant.ofEpochSecond(s.mtime().getEpochSecond()),
                    w.path + " mtime");
            assertEquals(inode(w.path), s.inode(), w.path);
        }
        FileStat hello = stat("/hello.txt");
        assertEquals(2, hello.nlink(), "hello.txt has a second name");
        assertEquals(inode("/hello.txt"), inode("/hardlink"));
        assertTrue(stat("/dir").nlink() >= 2, "a directory counts '.' and its entry");
        assertTrue(stat("/big.bin").blocks() * 512 >= BIG_LINES * 16L, "big.bin's blocks hold its bytes");
        assertTrue(stat("/sparse.bin").blocks() * 512 < SPARSE_SIZE / 2, "sparse.bin's holes use no blocks");
        assertEquals(0, stat("/empty").blocks());
    }

    // --- read -------------------------------------------------------------------------------------------------

    @Test
    void readsFilesExactly() throws IOException {
        for (Object[] f : new Object[][] {{"/hello.txt", HELLO}, {"/exec.sh", EXEC}, {"/empty", new byte[0]},
                {"/dir/nested/deep.txt", bytes("deep\n")}, {"/big.bin", big()}}) {
            try (BlockDevice d = fs.open(inode((String) f[0]))) {
                assertTrue(d.isReadOnly(), f[0] + " opens read-only");
                assertEquals(((byte[]) f[1]).length, d.size(), (String) f[0]);
                assertArrayEquals((byte[]) f[1], readAll(d), (String) f[0]);
            }
        }
    }

    @Test
    void readsAnySlice() throws IOException {
        byte[] want = big();
        Random rnd = new Random(7);
        try (BlockDevice d = fs.open(inode("/big.bin"))) {
            for (int i = 0; i < 200; i++) {
                int pos = rnd.nextInt(want.length);
                int len = rnd.nextInt(Math.min(70000, want.length - pos) + 1);
                assertArrayEquals(Arrays.copyOfRange(want, pos, pos + len), d.readBytes(pos, len), pos + "+" + len);
            }
            assertEquals(0, d.readBytes(want.length, 0).length, "an empty read at the end");
        }
    }

    @Test
    void sparseFileKeepsItsHoles() throws IOException {
        try (BlockDevice d = fs.open(inode("/sparse.bin"))) {
            assertEquals(SPARSE_SIZE, d.size());
            List<Extent> runs = new ArrayList<>();
            for (long pos = 0; pos < d.size(); ) {
                Extent e = d.mapping(pos, Long.MAX_VALUE);
                assertEquals(pos, e.start(), "runs tile the file");
                assertTrue(e.length() > 0 && e.end() <= d.size(), "a run inside the file: " + e);
                runs.add(e);
                pos = e.end();
            }
            assertEquals(Extent.Status.DATA, statusAt(runs, 0));
            assertEquals(Extent.Status.DATA, statusAt(runs, 4095));
            assertEquals(Extent.Status.UNALLOCATED, statusAt(runs, 4096 * 16), "the first hole");
            assertEquals(Extent.Status.UNALLOCATED, statusAt(runs, 1048576));
            assertEquals(Extent.Status.DATA, statusAt(runs, SPARSE_SECOND));
            assertEquals(Extent.Status.UNALLOCATED, statusAt(runs, SPARSE_SECOND + 4096 * 16), "the trailing hole");
            assertEquals(Extent.Status.UNALLOCATED, statusAt(runs, SPARSE_SIZE - 1));
            Extent capped = d.mapping(0, 100);
            assertTrue(capped.length() <= 100, "maxLen is honoured: " + capped);
            byte[] all = readAll(d);
            for (int i = 0; i < all.length; i++) {
                if (all[i] != sparseAt(i)) {
                    fail("sparse.bin byte " + i + ": " + all[i]);
                }
            }
            for (Extent e : runs) {
                if (e.status() != Extent.Status.DATA) {
                    for (long p = e.start(); p < e.end(); p++) {
                        assertEquals(0, all[(int) p], "a hole reads as zeros at " + p);
                    }
                }
            }
        }
    }

    private static Extent.Status statusAt(List<Extent> runs, long pos) {
        for (Extent e : runs) {
            if (pos >= e.start() && pos < e.end()) {
                return e.status();
            }
        }
        throw new AssertionError("no run covers " + pos);
    }

    // --- readlink, xattrs, statfs -----------------------------------------------------------------------------

    @Test
    void readlinkGivesTargetsByteForByte() throws IOException {
        for (Map.Entry<String, String> l : LINKS.entrySet()) {
            assertArrayEquals(bytes(l.getValue()), fs.readlink(inode("/" + l.getKey())), l.getKey());
        }
    }

    @Test
    void xattrs() throws IOException {
        Map<String, byte[]> x = fs.xattrs(inode("/hello.txt"));
        assertNotNull(x.get("user.contract"), x.keySet().toString());
        assertArrayEquals(bytes("tree"), x.get("user.contract"));
        assertEquals(Set.of(), fs.xattrs(inode("/empty")).keySet().stream().filter(k -> k.startsWith("user."))
                .collect(java.util.stream.Collectors.toSet()));
    }

    @Test
    void statfs() throws IOException {
        StatFs s = fs.statfs();
        assertTrue(s.blockSize() > 0, s.toString());
        assertTrue(s.blocks() > 0 && s.blocks() * s.blockSize() <= image.size(), s.toString());
        assertTrue(0 <= s.availableBlocks() && s.availableBlocks() <= s.freeBlocks()
                && s.freeBlocks() < s.blocks(), "available <= free < total: " + s);
        assertTrue(s.files() > 0 && 0 <= s.freeFiles() && s.freeFiles() <= s.files() - 200, s.toString());
        assertEquals(255, s.nameMax());
    }

    // --- bounds -----------------------------------------------------------------------------------------------

    @Test
    void boundsAreStrict() throws IOException {
        try (BlockDevice d = fs.open(inode("/big.bin"))) {
            long size = d.size();
            assertThrows(EOFException.class, () -> d.readBytes(size - 10, 20));
            assertThrows(EOFException.class, () -> d.readBytes(size, 1));
            assertThrows(IllegalArgumentException.class, () -> d.read(-1, ByteBuffer.allocate(1)));
            assertThrows(IllegalArgumentException.class, () -> d.mapping(-1, 10));
            assertThrows(IOException.class, () -> d.write(0, ByteBuffer.wrap(new byte[1])), "read-only");
        }
        long hello = inode("/hello.txt");
        long dirIno = inode("/dir");
        long link = inode("/link-rel");
        assertIOException(() -> fs.list(hello), "list of a regular file");
        assertIOException(() -> fs.lookup(hello, bytes("x")), "lookup in a regular file");
        assertIOException(() -> fs.readlink(hello), "readlink of a regular file");
        assertIOException(() -> fs.readlink(dirIno), "readlink of a directory");
        assertIOException(() -> fs.open(dirIno), "open of a directory");
        assertIOException(() -> fs.open(link), "open of a symlink");
        for (long bad : new long[] {0, -1, Long.MAX_VALUE, 1L << 40}) {
            assertIOException(() -> fs.stat(bad), "stat of inode " + bad);
        }
    }

    /** Fails unless {@code call} throws an IOException (a RuntimeException is a broken promise). */
    protected static void assertIOException(Executable call, String what) {
        try {
            call.execute();
        } catch (IOException e) {
            return;
        } catch (Throwable t) {
            throw new AssertionError(what + ": " + t + " instead of an IOException", t);
        }
        fail(what + ": no IOException");
    }

    private static void assertErrno(Errno errno, Executable call) {
        GuestFileException e = assertThrows(GuestFileException.class, call);
        assertEquals(errno, e.errno(), e.getMessage());
    }

    // --- symlinks through a mount -----------------------------------------------------------------------------

    @Test
    void symlinksResolveAndLoopsEnd() throws IOException {
        assertEquals(inode("/hello.txt"), mounts.stat("/link-rel").inode());
        assertEquals(inode("/hello.txt"), mounts.stat("/link-long").inode(), "a target stored outside the inode");
        assertEquals(inode("/dir/nested/deep.txt"), mounts.stat("/link-abs").inode());
        GuestFile deep = mounts.stat("/link-dir/nested/deep.txt");
        assertEquals("/dir/nested/deep.txt", deep.pathString());
        assertErrno(Errno.ELOOP, () -> mounts.stat("/loop-a"));
        assertErrno(Errno.ELOOP, () -> mounts.stat("/self"));
        assertErrno(Errno.ELOOP, () -> mounts.stat("/self/x"));
        assertEquals(FileType.SYMLINK, mounts.lstat("/loop-a").type());
    }

    // --- concurrency and invariants ---------------------------------------------------------------------------

    @Test
    void concurrentReaders() throws Exception {
        byte[] bigBytes = big();
        long bigIno = inode("/big.bin");
        long many = inode("/many");
        BlockDevice shared = fs.open(bigIno);
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 6; t++) {
                int seed = t;
                done.add(pool.submit(() -> {
                    Random rnd = new Random(seed);
                    for (int i = 0; i < 150; i++) {
                        int pos = rnd.nextInt(bigBytes.length);
                        int len = rnd.nextInt(Math.min(20000, bigBytes.length - pos) + 1);
                        BlockDevice d = i % 2 == 0 ? shared : fs.open(bigIno);
                        assertArrayEquals(Arrays.copyOfRange(bigBytes, pos, pos + len), d.readBytes(pos, len));
                        if (d != shared) {
                            d.close();
                        }
                        String name = String.format("name_%03d", rnd.nextInt(200));
                        assertNotNull(fs.lookup(many, bytes(name)), name);
                        if (i % 25 == 0) {
                            assertEquals(200, fs.list(many).size());
                        }
                        assertArrayEquals(bytes(LONG_TARGET), fs.readlink(inode("/link-long")));
                        try (BlockDevice h = fs.open(inode("/hardlink"))) {
                            assertArrayEquals(HELLO, h.readBytes(0, HELLO.length));
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(120, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
            shared.close();
        }
    }

    @Test
    void invariantsHoldOverTheWholeTree() {
        new FsInvariants(1 << 20).check(fs);
    }
}
