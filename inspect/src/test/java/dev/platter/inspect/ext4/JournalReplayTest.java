package dev.platter.inspect.ext4;

import dev.platter.core.CorruptImageException;
import dev.platter.core.UnsupportedFeatureException;
import dev.platter.core.image.Image;
import dev.platter.core.image.Images;
import dev.platter.core.image.OpenOptions;
import dev.platter.inspect.fs.DirEntry;
import dev.platter.inspect.fs.FileStat;
import dev.platter.inspect.fs.FileType;
import dev.platter.inspect.fs.FsOptions;
import dev.platter.inspect.fs.GuestFileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * jbd2 replay on journals written by debugfs (make-ext-journal-images.sh), across the journal features. Oracles:
 * e2fsck -fy on a copy (its recovery is the kernel's code): the replayed device must equal e2fsck's result block for
 * block, outside the journal and the superblock; the same tree read by debugfs on that copy; and the state the
 * journal was made from. The image file is never written (its hash before and after).
 */
class JournalReplayTest {
    static final FsOptions REPLAY = FsOptions.defaults();
    static final FsOptions NO_REPLAY = FsOptions.defaults().withReplayJournal(false);

    @ParameterizedTest
    @ValueSource(strings = {"j-ext4-csum3", "j-ext4-csum2", "j-ext4-64bit", "j-ext4-32bit", "j-ext3-v1"})
    void replayMatchesE2fsckDebugfsAndTheTarget(String variant) throws Exception {
        Path img = ExtImages.journal(variant);
        String before = sha256(img);
        try (Image image = Images.open(img, OpenOptions.readOnlyDefaults().withFormat("raw"))) {
            Ext4FileSystem fs = Ext4FileSystem.open(image, REPLAY);
            assertNotNull(fs.journalReplay());
            assertTrue(fs.journalReplay().contains("4 transactions (1 to 4)"), fs.journalReplay());
            String revoked = variant.equals("j-ext3-v1") ? ", 0 revoked" : ", 1 revoked";
            assertTrue(fs.journalReplay().contains(revoked), fs.journalReplay());
            assertTrue(fs.warnings().stream().noneMatch(w -> w.contains("needs_recovery")), fs.warnings().toString());
            try (Image target = Images.open(img.resolveSibling(variant + ".target.img"),
                    OpenOptions.readOnlyDefaults().withFormat("raw"))) {
                assertEquals(tree(Ext4FileSystem.open(target, REPLAY)), tree(fs), variant + ": the journal's target");
            }
            Path recovered = debugfsRecoveredCopy(img);
            assertSameBlocksAsE2fsprogs(fs, recovered);
            Files.delete(recovered);
            Path fixed = e2fsckCopy(img);
            assertSameTreeAsDebugfs(fs, fixed);
            assertEquals(fs.statfs(), Ext4FileSystem.open(ByteDevice.of(fixed), REPLAY).statfs(), "statfs");
            Files.delete(fixed);
        }
        assertEquals(before, sha256(img), "the image is never written");
    }

    @Test
    void noReplayShowsTheOnDiskState() throws IOException {
        Path img = ExtImages.journal("j-ext4-csum3");
        Ext4FileSystem fs = Ext4FileSystem.open(ByteDevice.of(img), NO_REPLAY);
        assertNull(fs.journalReplay());
        assertNull(fs.lookup(fs.rootInode(), "added".getBytes(StandardCharsets.US_ASCII)));
        assertNotNull(fs.lookup(fs.rootInode(), "gone".getBytes(StandardCharsets.US_ASCII)));
        assertTrue(fs.warnings().stream().anyMatch(w -> w.contains("needs_recovery") && w.contains("without replaying")),
                fs.warnings().toString());
        Ext4FileSystem replayed = Ext4FileSystem.open(ByteDevice.of(img), REPLAY);
        assertNotNull(replayed.lookup(replayed.rootInode(), "added".getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void aCommitBlockWithABadChecksumEndsReplayWhereE2fsprogsEndsIt() throws Exception {
        Path img = ExtImages.journal("j-ext4-badcommit");
        Ext4FileSystem fs = Ext4FileSystem.open(ByteDevice.of(img), REPLAY);
        assertTrue(fs.journalReplay().contains("3 transactions (1 to 3)"), fs.journalReplay());
        Path recovered = debugfsRecoveredCopy(img);
        assertSameBlocksAsE2fsprogs(fs, recovered);
        Files.delete(recovered);
    }

    @Test
    void escapedBlocksGetTheirMagicBack() throws IOException {
        Ext4FileSystem fs = Ext4FileSystem.open(ByteDevice.of(ExtImages.journal("j-ext4-64bit")), REPLAY);
        byte[] head = new byte[8];
        fs.open(ExtHostileTest.path(fs, "/added/magic.bin")).read(0, ByteBuffer.wrap(head));
        assertEquals("c03b39986d6d6d6d", HexFormat.of().formatHex(head));
    }

    // ---------------------------------------------------------------------------------------------------------
    // Hostile journals: one-line errors naming the structure.

    @Test
    void aTagOutsideTheFilesystemIsRefused() throws IOException {
        ByteDevice d = ByteDevice.of(ExtImages.journal("j-ext4-32bit")).copy();
        long desc = logBlock(d, 3, JournalSuperblock.BLOCKTYPE_DESCRIPTOR);
        Be.put32(d.bytes, (int) (desc * 4096 + 12), 0x7FFFFF00);
        CorruptImageException e = assertThrows(CorruptImageException.class, () -> Ext4FileSystem.open(d, REPLAY));
        assertOneLine(e, "outside the filesystem");
        assertTrue(e.getMessage().contains("ext journal block"), e.getMessage());
    }

    @Test
    void anAbsurdRevokeTableIsRefused() throws IOException {
        ByteDevice d = ByteDevice.of(ExtImages.journal("j-ext4-32bit")).copy();
        long revoke = logBlock(d, 3, JournalSuperblock.BLOCKTYPE_REVOKE);
        Be.put32(d.bytes, (int) (revoke * 4096 + 12), 0x7FFFFFF0);
        assertOneLine(assertThrows(CorruptImageException.class, () -> Ext4FileSystem.open(d, REPLAY)),
                "revoke table of 2147483632 bytes");
    }

    @Test
    void aLogThatNeverEndsIsRefused() throws IOException {
        ByteDevice d = ByteDevice.of(ExtImages.journal("j-ext4-32bit")).copy();
        Ext4FileSystem onDisk = Ext4FileSystem.open(d, NO_REPLAY);
        BlockMapper map = onDisk.mapper(onDisk.inode(8));
        for (long l = 1; l < 1024; l++) {
            int off = (int) (map.map(l).physical() * 4096);
            Be.put32(d.bytes, off, JournalSuperblock.MAGIC);
            Be.put32(d.bytes, off + 4, JournalSuperblock.BLOCKTYPE_REVOKE);
            Be.put32(d.bytes, off + 8, 1);
            Be.put32(d.bytes, off + 12, 16);
        }
        assertOneLine(assertThrows(CorruptImageException.class, () -> Ext4FileSystem.open(d, REPLAY)),
                "runs a full lap of the journal (1023 blocks) without ending");
    }

    @Test
    void aJournalLargerThanTheFilesystemIsRefused() throws IOException {
        ByteDevice d = ByteDevice.of(ExtImages.journal("j-ext4-32bit")).copy();
        int jsb = journalSuperblockOffset(d);
        Be.put32(d.bytes, jsb + 0x10, 1 << 30);
        assertOneLine(assertThrows(CorruptImageException.class, () -> Ext4FileSystem.open(d, REPLAY)),
                "is larger than the filesystem");
    }

    @Test
    void unknownJournalFeaturesAndExternalJournalsAreRefusedByName() throws IOException {
        ByteDevice d = ByteDevice.of(ExtImages.journal("j-ext4-32bit")).copy();
        int jsb = journalSuperblockOffset(d);
        Be.put32(d.bytes, jsb + 0x28, Be.i32(d.bytes, jsb + 0x28) | 0x100);
        UnsupportedFeatureException e = assertThrows(UnsupportedFeatureException.class,
                () -> Ext4FileSystem.open(d, REPLAY));
        assertOneLine(e, "journal_incompat_8");
        assertNotNull(Ext4FileSystem.open(d, NO_REPLAY), "--no-replay still reads it");

        ByteDevice ext = ByteDevice.of(ExtImages.journal("j-ext4-32bit")).copy();
        ExtHostileTest.put32(ext.bytes, 1024 + 0xE0, 0);
        e = assertThrows(UnsupportedFeatureException.class, () -> Ext4FileSystem.open(ext, REPLAY));
        assertOneLine(e, "external journal device");
        assertEquals("external journal", e.feature());
    }

    @Test
    void aDataBlockChecksumMismatchIsRefusedAsTheKernelRefusesToMount() throws IOException {
        ByteDevice d = ByteDevice.of(ExtImages.journal("j-ext4-csum3")).copy();
        long desc = logBlock(d, 4, JournalSuperblock.BLOCKTYPE_DESCRIPTOR);
        d.bytes[(int) ((desc + 1) * 4096 + 100)] ^= 1; // the first data block after T4's descriptor
        assertOneLine(assertThrows(CorruptImageException.class, () -> Ext4FileSystem.open(d, REPLAY)),
                "data block checksum mismatch");
    }

    // ---------------------------------------------------------------------------------------------------------

    static void assertOneLine(Exception e, String expected) {
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    /** The device block of the journal block of transaction {@code tid} and type {@code type} (the first one). */
    static long logBlock(ByteDevice d, int tid, int type) throws IOException {
        Ext4FileSystem fs = Ext4FileSystem.open(d, NO_REPLAY);
        BlockMapper map = fs.mapper(fs.inode(8));
        int bs = fs.blockSize();
        for (long l = 1; l < 1024; l++) {
            long phys = map.map(l).physical();
            int off = (int) (phys * bs);
            if (Be.i32(d.bytes, off) == JournalSuperblock.MAGIC && Be.i32(d.bytes, off + 4) == type
                    && Be.i32(d.bytes, off + 8) == tid) {
                return phys;
            }
        }
        throw new AssertionError("no block of type " + type + " in transaction " + tid);
    }

    static int journalSuperblockOffset(ByteDevice d) throws IOException {
        Ext4FileSystem fs = Ext4FileSystem.open(d, NO_REPLAY);
        return (int) (fs.mapper(fs.inode(8)).map(0).physical() * fs.blockSize());
    }

    static Path e2fsckCopy(Path img) throws IOException, InterruptedException {
        Path copy = Files.createTempFile(img.getParent(), "fsck-", ".img");
        Files.copy(img, copy, StandardCopyOption.REPLACE_EXISTING);
        Process p = new ProcessBuilder("e2fsck", "-fy", copy.toString()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        int rc = p.waitFor();
        assertTrue(rc <= 1, "e2fsck -fy exited " + rc);
        return copy;
    }

    /**
     * A copy recovered by debugfs's journal_run (e2fsprogs' recovery.c, the kernel's code), with no check or repair
     * after it: the exact oracle for what replay writes.
     */
    static Path debugfsRecoveredCopy(Path img) throws IOException, InterruptedException {
        Path copy = Files.createTempFile(img.getParent(), "jr-", ".img");
        Files.copy(img, copy, StandardCopyOption.REPLACE_EXISTING);
        Process p = new ProcessBuilder("debugfs", "-w", "-R", "journal_run", copy.toString()).redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        assertFalse(out.contains("while recovering journal"), out);
        return copy;
    }

    /** Every block equals e2fsprogs' replayed copy, except the journal's own blocks and the superblock's. */
    static void assertSameBlocksAsE2fsprogs(Ext4FileSystem fs, Path fixed) throws IOException {
        byte[] oracle = Files.readAllBytes(fixed);
        int bs = fs.blockSize();
        Set<Long> journal = new HashSet<>();
        Ext4FileSystem onDisk = Ext4FileSystem.open(ByteDevice.of(fixed), NO_REPLAY);
        Inode j = onDisk.inode(8);
        BlockMapper map = onDisk.mapper(j);
        for (long l = 0; l < onDisk.size(j) / bs; l++) {
            journal.add(map.map(l).physical());
        }
        long sbBlock = fs.superblock().superblockBlock();
        List<Long> differ = new ArrayList<>();
        byte[] mine = new byte[bs];
        for (long b = 0; b < fs.superblock().blocksCount; b++) {
            fs.device().read(b * bs, ByteBuffer.wrap(mine));
            if (!java.util.Arrays.equals(mine, 0, bs, oracle, (int) (b * bs), (int) (b * bs) + bs)
                    && !journal.contains(b) && b != sbBlock) {
                differ.add(b);
            }
        }
        assertEquals(List.of(), differ, "blocks that differ from e2fsprogs' replay");
        Superblock theirs = Superblock.parse(java.util.Arrays.copyOfRange(oracle, 1024, 2048));
        Superblock ours = fs.superblock();
        assertEquals(theirs.blocksCount, ours.blocksCount);
        assertEquals(theirs.inodesCount, ours.inodesCount);
        assertEquals(theirs.featureRoCompat, ours.featureRoCompat);
    }

    /** The tree (names, inodes, modes) as debugfs lists it on e2fsck's copy, and every file's bytes as it dumps them. */
    static void assertSameTreeAsDebugfs(Ext4FileSystem fs, Path fixed) throws IOException {
        List<Walk.Node> nodes = Walk.all(fs);
        List<String> dirs = new ArrayList<>(List.of("/"));
        Map<String, Long> inodes = new java.util.HashMap<>(Map.of("/", 2L));
        List<String> cmds = new ArrayList<>();
        Path dumpDir = Files.createTempDirectory(fixed.getParent(), "dump-");
        int files = 0;
        for (Walk.Node n : nodes) {
            if (n.isDir()) {
                dirs.add(n.path());
                inodes.put(n.path(), n.entry().inode());
            } else if (fs.stat(n.entry().inode()).type() == FileType.REGULAR) {
                cmds.add("dump " + Debugfs.quote(n.path()) + " " + dumpDir.resolve("f" + n.entry().inode()));
                files++;
            }
        }
        for (String d : dirs) {
            cmds.add("ls -p " + Debugfs.quote(d));
        }
        Map<String, String> out = Debugfs.run(fixed, cmds);
        for (String d : dirs) {
            List<Debugfs.LsEntry> expected = Debugfs.parseLsP(out.get("ls -p " + Debugfs.quote(d)));
            List<DirEntry> actual = fs.list(inodes.get(d));
            assertEquals(expected.size(), actual.size(), d + " entry count");
            for (int i = 0; i < expected.size(); i++) {
                assertEquals(expected.get(i).name(), new String(actual.get(i).rawName(), StandardCharsets.ISO_8859_1));
                assertEquals(expected.get(i).inode(), actual.get(i).inode());
                assertEquals(expected.get(i).mode(), fs.stat(actual.get(i).inode()).mode(), d);
            }
        }
        for (Walk.Node n : nodes) {
            if (!n.isDir() && fs.stat(n.entry().inode()).type() == FileType.REGULAR) {
                byte[] theirs = Files.readAllBytes(dumpDir.resolve("f" + n.entry().inode()));
                assertEquals(HexFormat.of().formatHex(sha(theirs)), HexFormat.of().formatHex(sha(content(fs,
                        n.entry().inode()))), n.path());
            }
        }
        assertTrue(files >= 5, "files compared: " + files);
        new ProcessBuilder("rm", "-rf", dumpDir.toString()).start();
    }

    static byte[] content(GuestFileSystem fs, long ino) throws IOException {
        var dev = fs.open(ino);
        byte[] b = new byte[(int) dev.size()];
        dev.read(0, ByteBuffer.wrap(b));
        return b;
    }

    /** One line per name: path, inode, mode, ids, size, links, times, and the content's hash or link target. */
    static Set<String> tree(GuestFileSystem fs) throws IOException {
        Set<String> lines = new TreeSet<>();
        for (Walk.Node n : Walk.all(fs)) {
            long ino = n.entry().inode();
            FileStat st = fs.stat(ino);
            String extra = st.type() == FileType.REGULAR ? HexFormat.of().formatHex(sha(content(fs, ino)))
                    : st.type() == FileType.SYMLINK ? new String(fs.readlink(ino), StandardCharsets.ISO_8859_1) : "";
            lines.add(n.path() + " " + ino + " " + Integer.toOctalString(st.mode()) + " " + st.uid() + ":" + st.gid()
                    + " " + st.size() + " " + st.nlink() + " " + st.mtime() + " " + st.ctime() + " " + extra);
        }
        return lines;
    }

    static byte[] sha(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(b);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String sha256(Path p) throws IOException {
        return HexFormat.of().formatHex(sha(Files.readAllBytes(p)));
    }
}
