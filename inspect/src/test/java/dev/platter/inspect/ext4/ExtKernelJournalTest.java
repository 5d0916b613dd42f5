package dev.platter.inspect.ext4;

import dev.platter.core.image.Image;
import dev.platter.core.image.Images;
import dev.platter.core.image.OpenOptions;
import dev.platter.inspect.fs.FileStat;
import dev.platter.inspect.fs.FileType;
import dev.platter.inspect.fs.FsOptions;
import dev.platter.inspect.fs.GuestFileSystem;
import dev.platter.inspect.fs.StatFs;
import dev.platter.testdata.Fixtures;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Images caught while the kernel had them mounted (testdata/scripts/make-ext-journal-kernel-fixtures.sh: a wrapped
 * csum-v3 log, ext3 with v1 checksums, async commit), read with replay and compared with what the kernel itself
 * listed after recovering a copy (ext-kernel-dump.sh's find, md5 and statfs, committed as .expected): every name,
 * type, mode, owner, size, link count, mtime and symlink target, every file's bytes, and df's numbers.
 */
class ExtKernelJournalTest {

    @ParameterizedTest
    @ValueSource(strings = {"ext4-journal-wrap", "ext3-journal-v1", "ext4-journal-async"})
    void replayShowsWhatTheKernelShowsAfterRecovery(String name) throws IOException {
        Path dir = Fixtures.tempDir("ext-journal-");
        Path img = Fixtures.expand(name + ".img", dir);
        List<String> expected = Files.readAllLines(Fixtures.expand(name + ".expected", dir), StandardCharsets.UTF_8);
        String before = JournalReplayTest.sha256(img);
        try (Image image = Images.open(img, OpenOptions.readOnlyDefaults().withFormat("raw"))) {
            Ext4FileSystem fs = Ext4FileSystem.open(image, FsOptions.defaults());
            assertNotNull(fs.journalReplay(), name);
            assertTrue(fs.journalReplay().startsWith("journal replayed in memory"), fs.journalReplay());
            assertEquals(expected, dump(fs), name);
            if (name.equals("ext3-journal-v1")) {
                // In this copy the journal holds changes not yet in place; in the other two the kernel had already
                // written most of them (checkpoints of the small log, writeback): replay must not change their view.
                Ext4FileSystem onDisk = Ext4FileSystem.open(image, FsOptions.defaults().withReplayJournal(false));
                assertNotEquals(expected, dump(onDisk), name + ": the on-disk state alone is stale");
            }
        }
        assertEquals(before, JournalReplayTest.sha256(img), "the image is never written");
        new ProcessBuilder("rm", "-rf", dir.toString()).start();
    }

    /** ext-kernel-dump.sh's output, computed through the GuestFileSystem API. */
    static List<String> dump(GuestFileSystem fs) throws IOException {
        List<String> find = new ArrayList<>();
        List<String[]> md5 = new ArrayList<>();
        find.add(line(fs, ".", fs.rootInode(), md5));
        for (Walk.Node n : Walk.all(fs)) {
            find.add(line(fs, "." + n.path(), n.entry().inode(), md5));
        }
        find.sort(Comparator.naturalOrder());
        md5.sort(Comparator.comparing(a -> a[1]));
        List<String> out = new ArrayList<>();
        out.add("# find: path type mode uid gid size nlink mtime target");
        out.addAll(find);
        out.add("# md5");
        for (String[] m : md5) {
            out.add(m[0] + "  " + m[1]);
        }
        out.add("# statfs: bsize blocks bfree bavail files ffree");
        StatFs s = fs.statfs();
        out.add(s.blockSize() + " " + s.blocks() + " " + s.freeBlocks() + " " + s.availableBlocks() + " " + s.files()
                + " " + s.freeFiles());
        out.add("# end");
        return out;
    }

    private static String line(GuestFileSystem fs, String path, long ino, List<String[]> md5) throws IOException {
        FileStat st = fs.stat(ino);
        String target = "";
        if (st.type() == FileType.SYMLINK) {
            target = new String(fs.readlink(ino), StandardCharsets.UTF_8);
        }
        if (st.type() == FileType.REGULAR) {
            md5.add(new String[] {HexFormat.of().formatHex(md5(JournalReplayTest.content(fs, ino))), path});
        }
        String type = switch (st.type()) {
            case REGULAR -> "f";
            case DIRECTORY -> "d";
            case SYMLINK -> "l";
            case CHAR_DEVICE -> "c";
            case BLOCK_DEVICE -> "b";
            case FIFO -> "p";
            case SOCKET -> "s";
            default -> "?";
        };
        String mtime = st.mtime().getEpochSecond() + "." + String.format("%09d", st.mtime().getNano()) + "0";
        return path + "\t" + type + "\t" + Integer.toOctalString(st.mode() & 07777) + "\t" + st.uid() + "\t"
                + st.gid() + "\t" + st.size() + "\t" + st.nlink() + "\t" + mtime + "\t" + target;
    }

    private static byte[] md5(byte[] b) {
        try {
            return MessageDigest.getInstance("MD5").digest(b);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
