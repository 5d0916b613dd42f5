package dev.platter.inspect.ext4;

import dev.platter.core.image.Image;
import dev.platter.core.image.Images;
import dev.platter.core.image.OpenOptions;
import dev.platter.inspect.fs.FsOptions;
import dev.platter.inspect.fs.StatFs;
import dev.platter.testdata.Tool;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * statfs against libguestfs itself: virt-df (blocks and -i) on eleven generated images. An appliance boot costs
 * about half a minute under TCG, so every run compares with virt-df's output captured once (libguestfs 1.48,
 * test resources {@code libguestfs/ext-virt-df*.csv}); the images are reproducible, so the capture stays valid.
 * {@code -Dplatter.libguestfs=capture} runs virt-df again and rewrites the capture (after a change to the image
 * generator). ExtStatfsTest checks the same formula against dumpe2fs.
 */
class ExtVirtDfTest {
    private static final Path CAPTURE_DIR = Path.of("src/test/resources/libguestfs");
    private static final List<String> VARIANTS = List.of("ext2-1k", "ext3", "ext4", "ext4-bigalloc", "ext4-metabg",
            "ext4-32bit", "ext4-features", "ext4-2k", "ext4-inline", "ext4-1k", "ext4-nodirindex");
    private static final Map<String, String> ENV = Map.of("LIBGUESTFS_BACKEND", "direct",
            "LIBGUESTFS_BACKEND_SETTINGS", "force_tcg");

    @Test
    void dfMatchesVirtDf() throws IOException {
        if ("capture".equals(System.getProperty("platter.libguestfs"))) {
            assertNotNull(Tool.find("virt-df"), "-Dplatter.libguestfs=capture needs libguestfs (virt-df)");
            Files.write(CAPTURE_DIR.resolve("ext-virt-df.csv"), virt("virt-df", "--csv"));
            Files.write(CAPTURE_DIR.resolve("ext-virt-df-i.csv"), virt("virt-df", "--csv", "-i"));
        }
        List<String> blocks = captured("ext-virt-df.csv");
        List<String> inodes = captured("ext-virt-df-i.csv");
        assertEquals(VARIANTS.size(), blocks.size());
        assertEquals(VARIANTS.size(), inodes.size());
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

    private static List<String> captured(String name) throws IOException {
        try (var in = ExtVirtDfTest.class.getResourceAsStream("/libguestfs/" + name)) {
            assertNotNull(in, "no captured virt-df output " + name);
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).lines().toList();
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
