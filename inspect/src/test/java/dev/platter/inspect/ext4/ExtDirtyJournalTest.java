package dev.platter.inspect.ext4;

import dev.platter.core.UnsupportedFeatureException;
import dev.platter.core.image.Image;
import dev.platter.core.image.Images;
import dev.platter.core.image.OpenOptions;
import dev.platter.inspect.fs.FsOptions;
import dev.platter.inspect.guest.DetectedFilesystem;
import dev.platter.inspect.guest.DiskSpec;
import dev.platter.inspect.guest.Guest;
import dev.platter.inspect.guest.GuestOptions;
import dev.platter.inspect.testing.GuestDisks;
import dev.platter.testdata.RequiresLoopDevices;
import dev.platter.testdata.RequiresTool;
import dev.platter.testdata.Tool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Journals the kernel leaves dirty (property-style): testdata/scripts/make-ext-dirty-journal.sh writes a random tree
 * and random changes on a loop mount, holds removed files open, and shuts the filesystem down without flushing the
 * journal; Platter's replayed view must equal what the kernel lists after recovering a copy (names, types, modes,
 * owners, sizes, links, mtimes, targets, md5 of every file, statfs, which counts the orphans the kernel frees at
 * mount), and the image file must stay unchanged. Seeds are fixed and printed; {@code -Dplatter.ext.journalSeeds=N}
 * runs N of them (default: one for each variant), each with mke2fs and mount options picked by the seed. Needs root and loop devices.
 */
@RequiresTool({"mke2fs", "debugfs", "dumpe2fs", "e2fsck", "xfs_io", "losetup", "mount"})
@RequiresLoopDevices
class ExtDirtyJournalTest {
    @TempDir
    static Path dir;

    /** mke2fs options and mount options, picked by seed. */
    private static final String[][] VARIANTS = {
        {"-t ext4", "commit=1"},
        {"-t ext3", "commit=1"},
        {"-t ext4 -O ^metadata_csum", "commit=1,journal_checksum"},
        {"-t ext4 -b 1024 -J size=1", "commit=1"},
        {"-t ext4", "commit=1,data=journal"},
        {"-t ext4 -O inline_data -I 512", "commit=1"},
        {"-t ext4 -O ^64bit,^metadata_csum -b 2048", "commit=1,journal_async_commit,data=writeback"},
        {"-t ext4 -O fast_commit", "commit=1"},
        {"-t ext4 -O orphan_file -b 4096", "commit=1"},
    };

    static IntStream seeds() {
        return IntStream.range(200, 200 + Integer.getInteger("platter.ext.journalSeeds", VARIANTS.length));
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void randomJournalsRecoverAsTheKernelDoes(int seed) throws Exception {
        String[] v = VARIANTS[seed % VARIANTS.length];
        System.err.println("ExtDirtyJournalTest seed " + seed + ": mke2fs " + v[0] + ", mount -o " + v[1]);
        String name = "seed" + seed;
        Path img = make(name, seed, "plain", v[0], v[1]);
        assertEquals("ro", mountMode(name));
        assertRecoversAsTheKernel(name, img);
    }

    /**
     * A fast commit for the transaction after the log: the kernel replays it at a read-write mount (its read-only
     * mount fails: "JBD2: journal recovery failed"), Platter refuses by name, with --no-replay reading the disk.
     */
    @Test
    void pendingFastCommitsAreRefusedByName() throws Exception {
        Path img = make("fc-pending", 31, "fc-pending", "-t ext4 -O fast_commit", "commit=1");
        List<String> expected = expected("fc-pending");
        assertTrue(expected.stream().anyMatch(l -> l.startsWith("./after/fast.txt\t")),
                "the kernel's recovery added the fast-committed file");
        assertTrue(Files.readString(dir.resolve("fc-pending.logdump")).contains("tag CREAT_DENTRY"),
                "the fast-commit area holds a create");
        String before = JournalReplayTest.sha256(img);
        try (Image image = open(img)) {
            UnsupportedFeatureException e = assertThrows(UnsupportedFeatureException.class,
                    () -> Ext4FileSystem.open(image, FsOptions.defaults()));
            JournalReplayTest.assertOneLine(e, "fast-commit area holds entries for transaction");
            assertEquals("fast_commit", e.feature());
            // The disk as it stands mid-flight may be inconsistent; --no-replay must still open it, with its warning.
            Ext4FileSystem onDisk = Ext4FileSystem.open(image, FsOptions.defaults().withReplayJournal(false));
            assertTrue(onDisk.warnings().stream().anyMatch(w -> w.contains("without replaying the journal")),
                    onDisk.warnings().toString());
        }
        assertEquals(before, JournalReplayTest.sha256(img), "the image is never written");
    }

    /** A fast commit followed by a full commit: the area is stale, recovery ignores it, as the kernel's does. */
    @Test
    void aStaleFastCommitAreaIsIgnored() throws Exception {
        Path img = make("fc-stale", 32, "fc-stale", "-t ext4 -O fast_commit", "commit=1");
        assertEquals("ro", mountMode("fc-stale"));
        assertTrue(Files.readString(dir.resolve("fc-stale.logdump")).contains("tag HEAD"),
                "the fast-commit area holds an old head");
        assertRecoversAsTheKernel("fc-stale", img);
    }

    /** A cleanly unmounted fast_commit filesystem: nothing to replay. */
    @Test
    void aCleanFastCommitFilesystemReads() throws Exception {
        Path img = dir.resolve("fc-clean.img");
        Tool.run("truncate", "-s", "16M", img.toString()).ok();
        Tool.run("mke2fs", "-q", "-F", "-t", "ext4", "-O", "fast_commit", img.toString()).ok();
        try (Image image = open(img)) {
            Ext4FileSystem fs = Ext4FileSystem.open(image, FsOptions.defaults());
            assertNull(fs.journalReplay());
            assertFalse(fs.list(fs.rootInode()).isEmpty());
        }
    }

    /**
     * The same dirty guest as a backup tool or a hypervisor holds it: on an LVM logical volume, in a qcow2 image of
     * that disk, and in the qcow2's internal snapshot taken before the guest overwrote the filesystem in the active
     * layer; read through the guest layer (LVM, the filesystem found on the LV, as ls, cat and df read it): equal to
     * the kernel's recovered copy every time, no image written.
     */
    @Test
    @RequiresTool({"qemu-img", "qemu-io"})
    void throughLvmQcow2AndAnInternalSnapshot() throws Exception {
        Path img = make("guest", 41, "plain", "-t ext4", "commit=1");
        List<String> expected = expected("guest");
        Path lvm = GuestDisks.onLvm(img, dir.resolve("guest-lvm.img"));
        Path qcow2 = dir.resolve("guest-lvm.qcow2");
        Tool.run("qemu-img", "convert", "-f", "raw", "-O", "qcow2", lvm.toString(), qcow2.toString()).ok();
        Path snapshotted = GuestDisks.qcow2WithSnapshot(lvm, dir.resolve("guest-snap.qcow2"), "crash");
        List<Path> images = List.of(lvm, qcow2, snapshotted);
        List<String> hashes = new ArrayList<>();
        for (Path p : images) {
            hashes.add(JournalReplayTest.sha256(p));
        }
        assertEquals(expected, guestDump(lvm, "raw"), "raw disk, LVM");
        assertEquals(expected, guestDump(qcow2, "qcow2"), "qcow2, LVM");
        assertEquals(expected, guestDump(GuestDisks.snapshotView(snapshotted, "crash", dir.resolve("view.raw")),
                "raw"), "the qcow2's internal snapshot, LVM");
        try (Guest guest = Guest.open(List.of(new DiskSpec(snapshotted, "qcow2")), GuestOptions.defaults())) {
            DetectedFilesystem now = guest.filesystem(GuestDisks.LV);
            assertTrue(now == null || !"ext4".equals(now.type()), "the active layer no longer holds the filesystem");
        }
        for (int i = 0; i < images.size(); i++) {
            assertEquals(hashes.get(i), JournalReplayTest.sha256(images.get(i)), images.get(i) + " is never written");
        }
    }

    /** ext-kernel-dump.sh's lines for the filesystem on the LV, found by the guest layer. */
    private static List<String> guestDump(Path disk, String format) throws IOException {
        try (Guest guest = Guest.open(List.of(new DiskSpec(disk, format)), GuestOptions.defaults())) {
            DetectedFilesystem fs = guest.filesystem(GuestDisks.LV);
            assertEquals("ext4", fs.type());
            return ExtKernelJournalTest.dump(fs.fileSystem());
        }
    }

    // ---------------------------------------------------------------------------------------------------------

    static void assertRecoversAsTheKernel(String name, Path img) throws IOException {
        List<String> expected = expected(name);
        String before = JournalReplayTest.sha256(img);
        try (Image image = open(img)) {
            Ext4FileSystem fs = Ext4FileSystem.open(image, FsOptions.defaults());
            assertTrue(String.valueOf(fs.journalReplay()).startsWith("journal replayed in memory"),
                    String.valueOf(fs.journalReplay()));
            List<String> actual = ExtKernelJournalTest.dump(fs);
            assertEquals(expected, actual, () -> name + ": only the kernel's " + minus(expected, actual)
                    + "; only Platter's " + minus(actual, expected) + "; warnings " + fs.warnings());
            // The three files and the directory removed while held open, deleted by the kernel's orphan cleanup.
            assertTrue(fs.warnings().stream().anyMatch(w -> w.startsWith("orphan inodes: 4 unlinked while open")),
                    fs.warnings().toString());
            Ext4FileSystem onDisk = Ext4FileSystem.open(image, FsOptions.defaults().withReplayJournal(false));
            List<String> stale;
            try {
                stale = ExtKernelJournalTest.dump(onDisk);
            } catch (IOException e) {
                stale = List.of(e.toString()); // the disk mid-flight may not even be consistent
            }
            // Whether the on-disk state is stale depends on what the kernel wrote in place before the shutdown: a
            // sync anywhere on the machine writes it all. Replay must find committed blocks either way.
            Matcher m = Pattern.compile("^journal replayed in memory: (\\d+) transactions? .*, (\\d+) blocks?, ")
                    .matcher(fs.journalReplay());
            assertTrue(m.find() && Integer.parseInt(m.group(1)) > 0 && Integer.parseInt(m.group(2)) > 0,
                    fs.journalReplay());
            System.err.println("ExtDirtyJournalTest " + name + ": " + fs.journalReplay() + "; the on-disk view "
                    + (expected.equals(stale) ? "already equals" : "differs from") + " the recovered one");
            // --no-replay's df is what a `ro,norecovery` mount shows: the on-disk counts, its orphans processed.
            Path norecovery = dir.resolve(name + ".norecovery.df");
            if (Files.exists(norecovery) && !stale.get(0).startsWith("dev.platter")) {
                assertEquals(Files.readString(norecovery).trim(), stale.get(stale.size() - 2),
                        "df --no-replay against the kernel's ro,norecovery mount; " + onDisk.warnings());
                System.err.println("ExtDirtyJournalTest " + name + ": df --no-replay equals the kernel's ro,norecovery");
            }
        }
        assertEquals(before, JournalReplayTest.sha256(img), "the image is never written");
    }

    private static List<String> minus(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        out.removeAll(b);
        return out;
    }

    static Image open(Path img) throws IOException {
        return Images.open(img, OpenOptions.readOnlyDefaults().withFormat("raw"));
    }

    static List<String> expected(String name) throws IOException {
        return Files.readAllLines(dir.resolve(name + ".expected"), StandardCharsets.UTF_8);
    }

    static String mountMode(String name) throws IOException {
        return Files.readString(dir.resolve(name + ".mount")).trim();
    }

    /** Runs the generator: NAME.img and the kernel's view of its recovered copy in {@code dir}. */
    static Path make(String name, int seed, String scenario, String mkfs, String mount) {
        List<String> cmd = new ArrayList<>(List.of("bash", ExtImages.script().resolveSibling(
                "make-ext-dirty-journal.sh").toString(), dir.toString(), name, Integer.toString(seed), scenario, "--"));
        cmd.addAll(List.of(mkfs.trim().split("\\s+")));
        cmd.add("--");
        cmd.add(mount);
        Tool.run(null, Map.of(), cmd.toArray(String[]::new)).ok();
        return dir.resolve(name + ".img");
    }
}
