package dev.platter.inspect.ext4;

import dev.platter.core.image.Image;
import dev.platter.core.image.Images;
import dev.platter.core.image.OpenOptions;
import dev.platter.inspect.fs.FsOptions;
import dev.platter.inspect.fs.StatFs;
import dev.platter.testdata.Tool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * statfs against libguestfs itself: virt-df (blocks and -i) on eleven images, one appliance launch each. Slow (a TCG appliance boot per call, about a minute for this set), so it runs only with
 * {@code -Dplatter.libguestfs=true}; ExtStatfsTest checks the same formula against dumpe2fs in every run.
 * Verified 2026-11 with libguestfs 1.48: all eleven images equal to the KiB and the inode.
 */
@EnabledIfSystemProperty(named = "platter.libguestfs", matches = "true")
class ExtVirtDfTest {
    private static final List<String> VARIANTS = List.of("ext2-1k", "ext3", "ext4", "ext4-bigalloc", "ext4-metabg",
            "ext4-32bit", "ext4-features", "ext4-2k", "ext4-inline", "ext4-1k", "ext4-nodirindex");
    private static final Map<String, String> ENV = Map.of("LIBGUESTFS_BACKEND", "direct",
            "LIBGUESTFS_BACKEND_SETTINGS", "force_tcg");

    @Test
    void dfMatchesVirtDf() throws IOException {
        assertNotNull(Tool.find("virt-df"), "-Dplatter.libguestfs=true needs libguestfs (virt-df)");
        List<String> blocks = virt("virt-df", "--csv");
        List<String> inodes = virt("virt-df", "--csv", "-i");
        for (int i = 0; i < VARIANTS.size(); i++) {
            StatFs s = statfs(VARIANTS.get(i));
            long k = s.blockSize() / 1024;
            // In CSV, virt-df prints Use% unrounded with one decimal (the table rounds it up).
            String pct = String.format(java.util.Locale.ROOT, "%.1f", 100 - 100.0 * s.freeBlocks() / s.blocks());
            String ipct = String.format(java.util.Locale.ROOT, "%.1f", 100 - 100.0 * s.freeFiles() / s.files());
            String[] b = blocks.get(i).split(",");
            String[] n = inodes.get(i).split(",");
            assertEquals(List.<Object>of(s.blocks() * k, (s.blocks() - s.freeBlocks()) * k, s.availableBlocks() * k, pct),
                    List.<Object>of(Long.parseLong(b[2]), Long.parseLong(b[3]), Long.parseLong(b[4]), b[5].trim()), VARIANTS.get(i));
            assertEquals(List.<Object>of(s.files(), s.files() - s.freeFiles(), s.freeFiles(), ipct),
                    List.<Object>of(Long.parseLong(n[2]), Long.parseLong(n[3]), Long.parseLong(n[4]), n[5].trim()), VARIANTS.get(i));
        }
    }

    private static StatFs statfs(String variant) throws IOException {
        try (Image image = Images.open(ExtImages.get(variant), OpenOptions.readOnlyDefaults().withFormat("raw"))) {
            return Ext4FileSystem.open(image, FsOptions.defaults()).statfs();
        }
    }

    /** The data rows of a virt tool's CSV output, one per image, in -a order. */
    private static List<String> virt(String tool, String... args) {
        List<String> cmd = new ArrayList<>(List.of(tool));
        cmd.addAll(List.of(args));
        for (String v : VARIANTS) {
            Path p = ExtImages.get(v);
            cmd.add("-a");
            cmd.add(p.toString());
        }
        String out = Tool.run(null, ENV, cmd.toArray(String[]::new)).ok().stdout();
        List<String> rows = new ArrayList<>();
        for (String line : out.split("\n")) {
            if (line.contains("/dev/sd")) {
                rows.add(line);
            }
        }
        assertEquals(VARIANTS.size(), rows.size(), out);
        return rows;
    }
}
