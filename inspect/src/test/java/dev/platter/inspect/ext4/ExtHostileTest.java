package dev.platter.inspect.ext4;

import dev.platter.core.CorruptImageException;
import dev.platter.core.UnsupportedFeatureException;
import dev.platter.inspect.fs.DirEntry;
import dev.platter.inspect.fs.FsOptions;
import dev.platter.inspect.fs.GuestFileSystem;
import dev.platter.testdata.RequiresTool;
import dev.platter.testdata.Tool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Damaged and hostile filesystems: each kind of damage gives a clear error naming the structure, or partial output
 * with a warning; never a hang, an unbounded allocation or a RuntimeException. Ends with a seeded byte-flip fuzz
 * loop over the metadata of small images ({@code -Dplatter.fuzz.iterations=N} for longer runs).
 */
@RequiresTool({"mkfs.ext4", "debugfs", "e2fsck", "e2image"})
class ExtHostileTest {
    private static final FsOptions STRICT = FsOptions.defaults();
    private static final FsOptions READ_ON = new FsOptions(true, true);
    private static final FsOptions NO_CHECKSUMS = new FsOptions(false, false);

    // --- checksums -------------------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"superblock", "group descriptor", "inode", "extent block", "directory block",
        "htree block", "xattr block"})
    void checksumMismatchesNameTheStructure(String structure) throws IOException {
        ByteDevice good = ByteDevice.of(ExtImages.get("ext4"));
        Ext4FileSystem fs = Ext4FileSystem.open(good, STRICT);
        long offset = checksumOffset(fs, structure);
        ByteDevice bad = good.copy();
        bad.bytes[(int) offset] ^= 0x5A;

        CorruptImageException e = assertThrows(CorruptImageException.class, () -> touch(Ext4FileSystem.open(bad, STRICT), structure));
        assertTrue(e.getMessage().contains("ext " + structure) && e.getMessage().contains("checksum"), e.getMessage());

        Ext4FileSystem readOn = Ext4FileSystem.open(bad, READ_ON);
        touch(readOn, structure);
        assertTrue(readOn.warnings().stream().anyMatch(w -> w.contains("ext " + structure) && w.contains("read on")),
                readOn.warnings().toString());

        Ext4FileSystem unchecked = Ext4FileSystem.open(bad, NO_CHECKSUMS);
        touch(unchecked, structure);
        assertTrue(unchecked.warnings().isEmpty(), unchecked.warnings().toString());
    }

    /** Where the checksum of one instance of each structure lives in the ext4 image. */
    private static long checksumOffset(Ext4FileSystem fs, String structure) throws IOException {
        int bs = fs.blockSize();
        return switch (structure) {
            case "superblock" -> 1024 + 0x3FC;
            case "group descriptor" -> (fs.superblock().superblockBlock() + 1) * bs + GroupDescriptor.CHECKSUM_OFFSET;
            case "inode" -> inodeOffset(fs, path(fs, "/files/small.txt")) + Inode.CHECKSUM_LO;
            case "extent block" -> {
                Inode i = fs.inode(path(fs, "/files/sparse_many.bin"));
                long leaf = ExtentIndex.parse(i.raw, Inode.I_BLOCK + 12).child();
                int max = ExtentHeader.parse(fs.readBlock(leaf, "x"), 0).max();
                yield leaf * bs + 12 + 12L * max;
            }
            case "directory block" -> {
                Inode d = fs.inode(path(fs, "/dirs/d40"));
                yield (fs.mapper(d).map(0).physical() + 1) * bs - 1;
            }
            case "htree block" -> {
                Inode d = fs.inode(path(fs, "/dirs/d2000"));
                long root = fs.mapper(d).map(0).physical();
                DxRoot r = DxRoot.parse(fs.readBlock(root, "x"), bs, new String[1]);
                yield root * bs + r.countOffset() + r.limit() * 8L + 4;
            }
            case "xattr block" -> fs.inode(path(fs, "/files/xattr_big")).fileAcl * bs + XattrHeader.CHECKSUM_OFFSET;
            default -> throw new IllegalArgumentException(structure);
        };
    }

    /** Performs the operation that reads the damaged structure. */
    private static void touch(Ext4FileSystem fs, String structure) throws IOException {
        switch (structure) {
            case "superblock" -> fs.stat(2);
            case "group descriptor" -> fs.statfs();
            case "inode" -> fs.stat(path(fs, "/files/small.txt"));
            case "extent block" -> fs.open(path(fs, "/files/sparse_many.bin")).readBytes(65536 * 299, 10);
            case "directory block" -> fs.list(path(fs, "/dirs/d40"));
            case "htree block" -> fs.lookup(path(fs, "/dirs/d2000"), "file_000007_qqqqqqq".getBytes());
            case "xattr block" -> fs.xattrs(path(fs, "/files/xattr_big"));
            default -> throw new IllegalArgumentException(structure);
        }
    }

    // --- superblock ------------------------------------------------------------------------------------------

    @Test
    void unknownIncompatibleFeaturesAreRefusedByName() throws IOException {
        ByteDevice good = ByteDevice.of(ExtImages.get("ext4"));
        UnsupportedFeatureException e = assertThrows(UnsupportedFeatureException.class,
                () -> Ext4FileSystem.open(withIncompat(good, 0x40000), STRICT));
        assertEquals("FEATURE_I18", e.feature());
        e = assertThrows(UnsupportedFeatureException.class, () -> Ext4FileSystem.open(withIncompat(good, 0x1 | 0x1000), STRICT));
        assertEquals("compression, dirdata", e.feature());
        ByteDevice journal = withIncompat(good, 0x8);
        e = assertThrows(UnsupportedFeatureException.class, () -> Ext4FileSystem.open(journal, STRICT));
        assertTrue(e.getMessage().contains("journal_dev") && e.getMessage().contains("external journal"), e.getMessage());
        assertFalse(new Ext4Driver().probe(journal));
        assertTrue(new Ext4Driver().probe(good));
    }

    @Test
    void needsRecoveryIsReadAsOnDiskWithAWarning() throws IOException {
        ByteDevice flagged = withIncompat(ByteDevice.of(ExtImages.get("ext4")), Features.INCOMPAT_RECOVER);
        // An empty log (s_start 0) needs no replay: the kernel mounts it as it is, and so does Platter, silently.
        Ext4FileSystem replayed = Ext4FileSystem.open(flagged, STRICT);
        assertEquals(List.of(), replayed.warnings());
        assertNull(replayed.journalReplay());
        Ext4FileSystem fs = Ext4FileSystem.open(flagged, STRICT.withReplayJournal(false));
        assertTrue(fs.warnings().stream().anyMatch(w -> w.contains("needs_recovery") && w.contains("without replaying")),
                fs.warnings().toString());
        Ext4FileSystem clean = Ext4FileSystem.open(ByteDevice.of(ExtImages.get("ext4")), STRICT);
        assertEquals(Walk.all(clean), Walk.all(fs));
        assertNotNull(fs.lookup(2, "etc".getBytes()));
    }

    @Test
    void corruptSuperblocksGiveAClearError() throws IOException {
        ByteDevice good = ByteDevice.of(ExtImages.get("ext4"));
        int[][] edits = { // offset, size, value
            {0x38, 2, 0x1234},          // magic
            {0x18, 4, 30},              // log block size
            {0x1C, 4, 40},              // log cluster size (does not match the block size)
            {0x20, 4, 0},               // blocks per group
            {0x20, 4, 0x7FFFFFFF},      // blocks per group beyond a bitmap
            {0x28, 4, 0},               // inodes per group
            {0x28, 4, 1 << 30},         // inodes per group beyond a bitmap
            {0x00, 4, -1},              // inode count beyond groups x inodes per group
            {0x58, 2, 100},             // inode size
            {0x58, 2, 8192},            // inode size beyond the block size
            {0x54, 4, 3},               // first inode
            {0x4C, 4, 7},               // revision
            {0xFE, 2, 48},              // descriptor size with 64bit
            {0x04, 4, 0},               // block count
            {0x150, 4, 0x7FFFFFFF},     // block count beyond 48 bits
            {0x14, 4, 5},               // first data block
        };
        for (int[] e : edits) {
            ByteDevice bad = good.copy();
            for (int i = 0; i < e[1]; i++) {
                bad.bytes[1024 + e[0] + i] = (byte) (e[2] >>> (8 * i));
            }
            fixSuperblockChecksum(bad);
            CorruptImageException x = assertThrows(CorruptImageException.class, () -> Ext4FileSystem.open(bad, STRICT),
                    "edit at 0x" + Integer.toHexString(e[0]));
            assertTrue(x.getMessage().contains("ext superblock"), x.getMessage());
        }
        ByteDevice tiny = new ByteDevice(Arrays.copyOf(good.bytes, 1500));
        assertThrows(CorruptImageException.class, () -> Ext4FileSystem.open(tiny, STRICT));
        assertFalse(new Ext4Driver().probe(tiny));
    }

    @Test
    void aTruncatedImageOpensWithAWarningAndFailsPerFile() throws IOException {
        byte[] all = Files.readAllBytes(ExtImages.get("ext4"));
        ByteDevice half = new ByteDevice(Arrays.copyOf(all, all.length / 8));
        Ext4FileSystem fs = Ext4FileSystem.open(half, STRICT);
        assertTrue(fs.warnings().get(0).contains("larger than its device"), fs.warnings().toString());
        Exercise x = Exercise.run(fs);
        assertTrue(x.ok > 10 && x.failed > 0, x.ok + " ok, " + x.failed + " failed");
        CorruptImageException e = assertThrows(CorruptImageException.class,
                () -> fs.open(path(fs, "/files/big.bin")).readBytes(3 << 20, 17));
        assertTrue(e.getMessage().contains("past the end of the device"), e.getMessage());
    }

    // --- trees and loops --------------------------------------------------------------------------------------

    @Test
    void extentTreeLoopsAndWildPointersAreCorruption() throws IOException {
        ByteDevice good = ByteDevice.of(ExtImages.get("ext4"));
        Ext4FileSystem fs = Ext4FileSystem.open(good, NO_CHECKSUMS);
        long ino = path(fs, "/files/sparse_many.bin");
        long inodeAt = inodeOffset(fs, ino);
        long leaf = ExtentIndex.parse(fs.inode(ino).raw, Inode.I_BLOCK + 12).child();
        int bs = fs.blockSize();

        // The leaf claims to be an index node pointing at itself.
        ByteDevice loop = good.copy();
        put16(loop.bytes, (int) (leaf * bs) + 6, 1);
        put32(loop.bytes, (int) (leaf * bs) + 12 + 4, (int) leaf);
        CorruptImageException e = assertThrows(CorruptImageException.class,
                () -> Ext4FileSystem.open(loop, NO_CHECKSUMS).open(ino).readBytes(0, 10));
        assertTrue(e.getMessage().contains("depth"), e.getMessage());

        // The root claims depth 5 over a leaf.
        ByteDevice deep = good.copy();
        put16(deep.bytes, (int) inodeAt + Inode.I_BLOCK + 6, 5);
        assertThrows(CorruptImageException.class, () -> Ext4FileSystem.open(deep, NO_CHECKSUMS).open(ino).readBytes(0, 10));

        // An extent mapping blocks past the end of the filesystem.
        ByteDevice wild = good.copy();
        put32(wild.bytes, (int) (leaf * bs) + 12 + 8, 0x7FFFFFF0);
        e = assertThrows(CorruptImageException.class, () -> Ext4FileSystem.open(wild, NO_CHECKSUMS).open(ino).readBytes(0, 10));
        assertTrue(e.getMessage().contains("outside the filesystem"), e.getMessage());

        // More entries than the node holds.
        ByteDevice over = good.copy();
        put16(over.bytes, (int) (leaf * bs) + 2, 0xFFFF);
        assertThrows(CorruptImageException.class, () -> Ext4FileSystem.open(over, NO_CHECKSUMS).open(ino).readBytes(0, 10));
    }

    @Test
    void directoryCyclesDuplicatesAndHugeSizesStayBounded() throws IOException {
        ByteDevice good = ByteDevice.of(ExtImages.get("ext2-1k"));
        Ext4FileSystem fs = Ext4FileSystem.open(good, STRICT);
        long d3 = path(fs, "/dirs/d3");
        long d400 = path(fs, "/dirs/d400");
        int bs = fs.blockSize();

        // /dirs/d3's first file entry now names the root directory: a cycle for naive walkers.
        ByteDevice cycle = good.copy();
        long block = fs.mapper(fs.inode(d3)).map(0).physical();
        int first = (int) (block * bs) + 24;   // after "." (12) and ".." (12)
        put32(cycle.bytes, first, 2);
        cycle.bytes[first + 7] = 2;
        Ext4FileSystem c = Ext4FileSystem.open(cycle, STRICT);
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> Walk.all(c));
        assertEquals(2, c.list(d3).get(0).inode());

        // /dirs/d400: every direct pointer names the same block, and i_size claims 4 GiB.
        ByteDevice dup = good.copy();
        long ia = inodeOffset(fs, d400);
        int firstBlock = (int) Le.u32(dup.bytes, (int) ia + Inode.I_BLOCK);
        for (int i = 1; i < 12; i++) {
            put32(dup.bytes, (int) ia + Inode.I_BLOCK + 4 * i, firstBlock);
        }
        put32(dup.bytes, (int) ia + 4, 0xFFFFFC00);
        Ext4FileSystem d = Ext4FileSystem.open(dup, STRICT);
        List<DirEntry> l = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> d.list(d400));
        assertTrue(l.size() < 400);
        assertTrue(d.warnings().stream().anyMatch(w -> w.contains("appears twice")), d.warnings().toString());
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> d.lookup(d400, "absent".getBytes()));

        // A regular file claiming 2^62 bytes: maps as one endless hole after its data, reads zeros there.
        ByteDevice huge = good.copy();
        long f = path(fs, "/files/small.txt");
        long fa = inodeOffset(fs, f);
        put32(huge.bytes, (int) fa + 0x6C, 0x40000000);
        Ext4FileSystem h = Ext4FileSystem.open(huge, STRICT);
        var file = h.open(f);
        assertEquals((1L << 62) + 12, file.size());
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            long pos = 0;
            int runs = 0;
            while (pos < file.size() && runs++ < 100_000) {
                pos = file.mapping(pos, Long.MAX_VALUE).end();
            }
            assertEquals(file.size(), pos);
        });
        assertEquals(0, file.readBytes(1L << 61, 1)[0]);
    }

    /**
     * Orphans as the kernel's mount walks them: a chain through i_dtime, an inode without links deleted (its inode and
     * block freed), one with links left to truncate (reported), a chain coming back to itself ended, and an orphan
     * whose next is out of range not processed at all (ext4_orphan_get refuses it).
     */
    @Test
    void orphanChainsAreWalkedAsTheKernelDoesAndStayBounded() throws IOException {
        ByteDevice good = ByteDevice.of(ExtImages.get("ext2-1k"));
        Ext4FileSystem fs = Ext4FileSystem.open(good, STRICT);
        var clean = fs.statfs();
        long a = path(fs, "/files/small.txt");
        long b = path(fs, "/files/f4096");
        ByteDevice cycle = good.copy();
        put32(cycle.bytes, 1024 + 0xE8, (int) a);                                    // s_last_orphan
        put32(cycle.bytes, (int) inodeOffset(fs, a) + 0x14, (int) b);                // a -> b
        put32(cycle.bytes, (int) inodeOffset(fs, b) + 0x14, (int) a);                // b -> a: a cycle
        put16(cycle.bytes, (int) inodeOffset(fs, a) + 0x1A, 0);                      // a has no links left
        Ext4FileSystem c = Ext4FileSystem.open(cycle, STRICT);
        assertNotNull(path(c, "/files/small.txt"), "the directory entry is still there: only df changes");
        var s = assertTimeoutPreemptively(Duration.ofSeconds(20), c::statfs);
        assertEquals(clean.freeFiles() + 1, s.freeFiles());
        assertEquals(clean.freeBlocks() + 2, s.freeBlocks(), "small.txt's data block and its own xattr block");
        assertTrue(c.warnings().stream().anyMatch(w -> w.contains("orphan inodes: 1 unlinked while open (holding 2"
                + " blocks)") && w.contains("1 being truncated (0 blocks past their size)")), c.warnings().toString());

        ByteDevice wild = cycle.copy();
        put32(wild.bytes, (int) inodeOffset(fs, a) + 0x14, 0x7FFFFFF0);
        Ext4FileSystem w = Ext4FileSystem.open(wild, STRICT);
        assertEquals(clean.freeFiles(), w.statfs().freeFiles(), "an orphan naming a next out of range is refused");

        ByteDevice readOnly = cycle.copy();
        Ext4FileSystem r = Ext4FileSystem.open(readOnly, STRICT.withReplayJournal(false));
        assertEquals(clean.freeFiles() + 1, r.statfs().freeFiles(), "a clean filesystem's orphans are processed"
                + " whatever the replay option (no journal to leave unreplayed)");
    }

    /**
     * The orphan file: entries name orphans (a file without links is deleted, as with the chain); a block without its
     * magic fails the kernel's mount, so nothing is processed and df says why in a warning, but still answers.
     */
    @Test
    void orphanFileEntriesAreProcessedAndABadBlockStopsThemAll() throws IOException {
        ByteDevice good = ByteDevice.of(ExtImages.get("ext4-features"));
        Ext4FileSystem fs = Ext4FileSystem.open(good, STRICT);
        var clean = fs.statfs();
        Superblock sb = fs.superblock();
        long small = path(fs, "/files/small.txt");
        long block0 = fs.mapper(fs.inode(sb.orphanFileInum)).map(0).physical();
        int at = (int) (block0 * fs.blockSize());

        ByteDevice listed = good.copy();
        put32(listed.bytes, 1024 + 0x64, Le.i32(listed.bytes, 1024 + 0x64) | Features.RO_COMPAT_ORPHAN_PRESENT);
        fixSuperblockChecksum(listed);
        put32(listed.bytes, at + 8, (int) small);
        put16(listed.bytes, (int) inodeOffset(fs, small) + 0x1A, 0);
        Ext4FileSystem o = Ext4FileSystem.open(listed, NO_CHECKSUMS);
        assertEquals(clean.freeFiles() + 1, o.statfs().freeFiles(), o.warnings().toString());
        assertTrue(o.warnings().stream().anyMatch(w -> w.startsWith("orphan inodes: 1 unlinked while open")),
                o.warnings().toString());

        ByteDevice bad = listed.copy();
        put32(bad.bytes, at + fs.blockSize() - 8, 0x12345678);
        Ext4FileSystem b = Ext4FileSystem.open(bad, NO_CHECKSUMS);
        assertEquals(clean.freeFiles(), b.statfs().freeFiles(), "nothing processed");
        assertTrue(b.warnings().stream().anyMatch(w -> w.startsWith("orphan inodes not processed: ")
                && w.contains("bad magic 0x12345678")), b.warnings().toString());
    }

    @Test
    void badDirectoryEntriesEndTheirBlockWithAWarning() throws IOException {
        ByteDevice good = ByteDevice.of(ExtImages.get("ext2-1k"));
        Ext4FileSystem fs = Ext4FileSystem.open(good, STRICT);
        long d40 = path(fs, "/dirs/d40");
        // Block 1: a leaf of the indexed directory (block 0 is the htree root).
        long block = fs.mapper(fs.inode(d40)).map(1).physical();
        int bs = fs.blockSize();
        int at = (int) (block * bs);
        ByteDevice[] bad = {good.copy(), good.copy(), good.copy(), good.copy()};
        put16(bad[0].bytes, at + 4, 0);        // rec_len 0 (would loop forever)
        put16(bad[1].bytes, at + 4, 13);       // not a multiple of 4
        put16(bad[2].bytes, at + 4, 60000);    // overruns the block
        put32(bad[3].bytes, at, -5);           // inode beyond the inode count
        for (ByteDevice b : bad) {
            Ext4FileSystem x = Ext4FileSystem.open(b, STRICT);
            List<DirEntry> l = x.list(d40);
            assertTrue(l.size() < 40, "entries after the bad one are skipped");
            assertTrue(x.warnings().stream().anyMatch(w -> w.contains("bad entry")), x.warnings().toString());
        }
    }

    /** debugfs mknod takes its name literally: names with '/' and a second ".." made by the real tool. */
    @Test
    void namesWithSlashesAndNulsAreKeptAsBytesWithAWarning() throws IOException {
        Path img = ExtImages.scratch("names").resolve("names.img");
        Files.copy(ExtImages.get("ext2-1k"), img, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Path cmds = img.resolveSibling("cmds");
        Files.writeString(cmds, "cd /dirs\nmknod ../../etc/passwd p\nmknod .. p\nmknod a/b p\n");
        Tool.run("debugfs", "-w", "-f", cmds.toString(), img.toString()).ok();
        ByteDevice dev = ByteDevice.of(img);
        Ext4FileSystem fs = Ext4FileSystem.open(dev, STRICT);
        long dirs = path(fs, "/dirs");
        List<String> names = new ArrayList<>();
        for (DirEntry e : fs.list(dirs)) {
            names.add(e.name());
        }
        assertTrue(names.contains("../../etc/passwd") && names.contains("a/b"), names.toString());
        assertFalse(names.contains(".."), "no second '..' in listings");
        assertTrue(fs.warnings().stream().anyMatch(w -> w.contains("'/'")), fs.warnings().toString());
        assertEquals(2, fs.lookup(dirs, "..".getBytes()).inode(), "'..' is the real parent");

        // A NUL inside a name (edited in: no tool writes one).
        long block = fs.mapper(fs.inode(dirs)).map(0).physical();
        byte[] b = fs.readBlock(block, "x");
        int at = indexOf(b, "a/b".getBytes());
        dev.bytes[(int) (block * fs.blockSize()) + at + 1] = 0;
        Ext4FileSystem nul = Ext4FileSystem.open(dev, STRICT);
        assertTrue(nul.list(dirs).stream().anyMatch(e -> Arrays.equals(e.rawName(), new byte[] {'a', 0, 'b'})));
        assertNotNull(nul.lookup(dirs, new byte[] {'a', 0, 'b'}));
    }

    @Test
    void inodesOutOfRangeOrUnusedAreCorruption() throws IOException {
        Ext4FileSystem fs = Ext4FileSystem.open(ByteDevice.of(ExtImages.get("ext4")), STRICT);
        for (long ino : new long[] {0, -1, fs.superblock().inodesCount + 1, Long.MAX_VALUE}) {
            assertThrows(CorruptImageException.class, () -> fs.stat(ino));
        }
        // The last inode of group 0 lies in its never-used tail (itable_unused).
        CorruptImageException e = assertThrows(CorruptImageException.class, () -> fs.stat(fs.superblock().inodesPerGroup));
        assertTrue(e.getMessage().contains("never-used"), e.getMessage());
        assertThrows(java.nio.file.NotDirectoryException.class, () -> fs.list(path(fs, "/files/small.txt")));
        assertThrows(IOException.class, () -> fs.readlink(2));
        assertThrows(IOException.class, () -> fs.open(2));
    }

    // --- fuzzing ----------------------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"fuzz-ext4", "fuzz-ext3", "fuzz-inline"})
    void byteFlipsNeverCrashOrHang(String variant) throws IOException {
        Path img = ExtImages.get(variant);
        byte[] pristine = Files.readAllBytes(img);
        int[] metadata = metadataBlocks(img, 1024);
        int iterations = Integer.getInteger("platter.fuzz.iterations", 700);
        Random random = new Random(0x5EED + variant.hashCode());
        FsOptions[] modes = {STRICT, READ_ON, NO_CHECKSUMS};
        int opened = 0;
        long ops = 0;
        for (int it = 0; it < iterations; it++) {
            byte[] bytes = pristine.clone();
            int flips = 1 + random.nextInt(8);
            StringBuilder what = new StringBuilder();
            for (int f = 0; f < flips; f++) {
                int block = metadata[random.nextInt(metadata.length)];
                int pos = block * 1024 + random.nextInt(1024);
                byte v = (byte) (random.nextBoolean() ? random.nextInt(256) : bytes[pos] ^ (1 << random.nextInt(8)));
                bytes[pos] = v;
                what.append(String.format(" %d=%02x", pos, v & 0xFF));
            }
            FsOptions mode = modes[it % modes.length];
            String label = variant + " iteration " + it + " flips" + what;
            GuestFileSystem fs;
            try {
                fs = Ext4FileSystem.open(new ByteDevice(bytes), mode);
            } catch (IOException expected) {
                continue;
            } catch (RuntimeException | Error e) {
                throw new AssertionError(label + ": open threw " + e, e);
            }
            opened++;
            try {
                Exercise x = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> Exercise.run(fs), label);
                ops += x.ok + x.failed;
            } catch (RuntimeException | Error e) {
                throw new AssertionError(label + ": " + e, e);
            }
        }
        assertTrue(opened > iterations / 3, opened + " of " + iterations + " opened");
        assertTrue(ops > iterations * 10L, ops + " operations");
    }

    /** Block numbers holding metadata: the non-zero blocks of e2image's metadata-only copy. */
    private static int[] metadataBlocks(Path img, int bs) throws IOException {
        Path meta = ExtImages.scratch("e2image").resolve(img.getFileName() + ".meta");
        Files.deleteIfExists(meta);
        Tool.run("e2image", "-r", img.toString(), meta.toString()).ok();
        byte[] b = Files.readAllBytes(meta);
        List<Integer> blocks = new ArrayList<>();
        for (int blk = 0; blk * bs < b.length; blk++) {
            for (int i = blk * bs; i < Math.min(b.length, (blk + 1) * bs); i++) {
                if (b[i] != 0) {
                    blocks.add(blk);
                    break;
                }
            }
        }
        assertTrue(blocks.size() > 10, blocks.size() + " metadata blocks");
        return blocks.stream().mapToInt(Integer::intValue).toArray();
    }

    // --- helpers ----------------------------------------------------------------------------------------------

    static long path(Ext4FileSystem fs, String path) throws IOException {
        long ino = 2;
        for (String part : path.substring(1).split("/")) {
            DirEntry e = fs.lookup(ino, part.getBytes(StandardCharsets.ISO_8859_1));
            assertNotNull(e, path);
            ino = e.inode();
        }
        return ino;
    }

    static long inodeOffset(Ext4FileSystem fs, long ino) throws IOException {
        Superblock sb = fs.superblock();
        GroupDescriptor gd = fs.group((ino - 1) / sb.inodesPerGroup);
        return gd.inodeTable() * sb.blockSize + ((ino - 1) % sb.inodesPerGroup) * sb.inodeSize;
    }

    static ByteDevice withIncompat(ByteDevice good, int bits) {
        ByteDevice d = good.copy();
        int off = 1024 + 0x60;
        put32(d.bytes, off, Le.i32(d.bytes, off) | bits);
        fixSuperblockChecksum(d);
        return d;
    }

    static void fixSuperblockChecksum(ByteDevice d) {
        put32(d.bytes, 1024 + 0x3FC, Crc32c.update(0xFFFFFFFF, d.bytes, 1024, 0x3FC));
    }

    static void put32(byte[] b, int off, int v) {
        Le.put32(b, off, v);
    }

    static void put16(byte[] b, int off, int v) {
        Le.put16(b, off, v);
    }

    static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
