package dev.platter.inspect.ext4;

import dev.platter.core.image.Image;
import dev.platter.inspect.fs.FsOptions;
import dev.platter.inspect.fs.StatFs;
import dev.platter.testdata.RequiresLoopDevices;
import dev.platter.testdata.RequiresTool;
import dev.platter.testdata.Tool;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Orphans as the kernel's mount processes them, on kernel-written files put on the orphan chain by debugfs
 * (testdata/scripts/make-ext-orphans.sh): two deleted (one a fragmented file with a two-level extent tree or
 * double-indirect blocks, one sharing its xattr block), two truncated to a shorter i_size. Platter's df must equal
 * the kernel's after its orphan cleanup, and the image must stay unchanged. Needs root and loop devices.
 */
@RequiresTool({"mke2fs", "debugfs", "dumpe2fs", "xfs_io", "setfattr", "losetup", "mount"})
@RequiresLoopDevices
class ExtOrphanCleanupTest {
    @TempDir
    static Path dir;

    @ParameterizedTest(name = "{0}")
    @CsvSource({"ext4-4k, -t ext4 -b 4096", "ext4-1k, -t ext4 -b 1024", "ext3-1k, -t ext3 -b 1024",
        "ext4-nocsum-2k, -t ext4 -b 2048 -O ^metadata_csum"})
    void dfEqualsTheKernelsAfterItsOrphanCleanup(String name, String mkfs) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("bash", ExtImages.script().resolveSibling("make-ext-orphans.sh")
                .toString(), dir.toString(), name, "--"));
        cmd.addAll(List.of(mkfs.trim().split("\\s+")));
        Tool.run(null, Map.of(), cmd.toArray(String[]::new)).ok();
        Path img = dir.resolve(name + ".img");
        String[] k = Files.readString(dir.resolve(name + ".df")).trim().split(" ");
        String before = JournalReplayTest.sha256(img);
        try (Image image = ExtDirtyJournalTest.open(img)) {
            Ext4FileSystem fs = Ext4FileSystem.open(image, FsOptions.defaults());
            StatFs s = fs.statfs();
            String got = s.blockSize() + " " + s.blocks() + " " + s.freeBlocks() + " " + s.availableBlocks() + " "
                    + s.files() + " " + s.freeFiles();
            assertEquals(String.join(" ", k), got, "kernel's stat -f against Platter's; " + fs.warnings());
            assertTrue(fs.warnings().stream().anyMatch(w -> w.startsWith("orphan inodes: 2 unlinked while open")),
                    fs.warnings().toString());
        }
        assertEquals(before, JournalReplayTest.sha256(img), "the image is never written");
    }
}
