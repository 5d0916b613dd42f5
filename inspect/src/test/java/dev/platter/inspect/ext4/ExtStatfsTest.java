package dev.platter.inspect.ext4;

import dev.platter.core.image.Image;
import dev.platter.core.image.Images;
import dev.platter.core.image.OpenOptions;
import dev.platter.inspect.fs.FsOptions;
import dev.platter.inspect.fs.StatFs;
import dev.platter.testdata.RequiresTool;
import dev.platter.testdata.Tool;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * statfs against the kernel's formula evaluated on dumpe2fs's own report of each group's layout and free counts
 * (ext4.md section 14; the formula reproduces virt-df, which ExtVirtDfTest checks where libguestfs is installed),
 * and type, label and UUID against dumpe2fs and what virt-filesystems printed for these images.
 */
@RequiresTool({"mkfs.ext4", "debugfs", "e2fsck", "dumpe2fs"})
class ExtStatfsTest {

    @ParameterizedTest
    @CsvSource({"ext4,ext4", "ext4-inline,ext4", "ext4-32bit,ext4", "ext4-1k,ext4", "ext4-2k,ext4", "ext4-64k,ext4",
        "ext4-bigalloc,ext4", "ext4-metabg,ext4", "ext4-features,ext4", "ext4-nodirindex,ext4", "ext3,ext3",
        "ext2-1k,ext2", "htree-100k,ext4"})
    void statfsFollowsTheKernelFormulaOnDumpe2fsCounters(String variant, String type) throws IOException {
        Path img = ExtImages.get(variant);
        String d = Tool.run("dumpe2fs", img.toString()).ok().stdout();
        long blockCount = field(d, "Block count");
        long bs = field(d, "Block size");
        long ratio = d.contains("Cluster size:") ? field(d, "Cluster size") / bs : 1;
        boolean bigalloc = d.contains(" bigalloc");
        long overhead; // in blocks
        if (bigalloc && field(d, "Overhead clusters") != 0) {
            overhead = field(d, "Overhead clusters") * ratio;
        } else {
            long itb = field(d, "Inode blocks per group");
            overhead = field(d, "First block");
            for (String group : d.split("\nGroup \\d+: ")) {
                if (!group.contains("Inode table at")) {
                    continue;
                }
                boolean hasSuper = group.contains("superblock at");
                overhead += (hasSuper ? 1 : 0) + span(group, "Group descriptors? at") + span(group, "Reserved GDT blocks at")
                        + 2 + itb;
            }
            Matcher j = Pattern.compile("Total journal size:\\s+(\\d+)([kM])").matcher(d);
            if (j.find()) {
                overhead += Long.parseLong(j.group(1)) * (j.group(2).equals("M") ? 1 << 20 : 1 << 10) / bs;
            }
        }
        long free = 0, freeInodes = 0;
        Matcher g = Pattern.compile("\n  (\\d+) free (?:blocks|clusters), (\\d+) free inodes").matcher(d);
        while (g.find()) {
            free += Long.parseLong(g.group(1));
            freeInodes += Long.parseLong(g.group(2));
        }
        free *= ratio;
        long resv = d.contains(" extent") ? Math.min(blockCount / ratio / 50, 4096) * ratio : 0;
        long avail = Math.max(0, free - field(d, "Reserved block count") - resv);

        try (Image image = Images.open(img, OpenOptions.readOnlyDefaults().withFormat("raw"))) {
            Ext4FileSystem fs = Ext4FileSystem.open(image, FsOptions.defaults());
            StatFs s = fs.statfs();
            assertEquals(bs, s.blockSize());
            assertEquals(blockCount - overhead, s.blocks(), variant + " f_blocks");
            assertEquals(free, s.freeBlocks(), variant + " f_bfree");
            assertEquals(avail, s.availableBlocks(), variant + " f_bavail");
            assertEquals(field(d, "Inode count"), s.files(), variant + " f_files");
            assertEquals(freeInodes, s.freeFiles(), variant + " f_ffree");
            assertEquals(255, s.nameMax());

            assertEquals(type, fs.type());
            assertEquals(text(d, "Filesystem volume name"), fs.label());
            assertEquals(text(d, "Filesystem UUID"), fs.uuid());
            assertEquals(2, fs.rootInode());
            assertTrue(fs.warnings().isEmpty(), fs.warnings().toString());
        }
    }

    private static long field(String d, String name) {
        Matcher m = Pattern.compile("(?m)^" + name + ":\\s+(\\d+)").matcher(d);
        assertTrue(m.find(), name);
        return Long.parseLong(m.group(1));
    }

    private static String text(String d, String name) {
        Matcher m = Pattern.compile("(?m)^" + name + ":\\s+(.*)$").matcher(d);
        assertTrue(m.find(), name);
        String v = m.group(1).trim();
        return v.equals("<none>") ? "" : v;
    }

    /** Blocks in "NAME a-b" or "NAME a" (1), or 0 when the group has no such line. */
    private static long span(String group, String name) {
        Matcher m = Pattern.compile(name + " (\\d+)(?:-(\\d+))?").matcher(group);
        if (!m.find()) {
            return 0;
        }
        long a = Long.parseLong(m.group(1));
        return m.group(2) == null ? 1 : Long.parseLong(m.group(2)) - a + 1;
    }
}
