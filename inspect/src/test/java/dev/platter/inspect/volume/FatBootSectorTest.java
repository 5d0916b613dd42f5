package dev.platter.inspect.volume;

import dev.platter.core.image.Image;
import dev.platter.core.image.Images;
import dev.platter.core.image.OpenOptions;
import dev.platter.inspect.fs.StatFs;
import dev.platter.testdata.RequiresTool;
import dev.platter.testdata.Tool;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** FAT12, FAT16 and FAT32 volumes made by mkfs.vfat and filled by mcopy: clusters as fsck.fat counts them. */
@RequiresTool({"mkfs.vfat", "mcopy", "fsck.fat"})
class FatBootSectorTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"12:4M", "16:32M", "32:64M"})
    void clustersAndFreeClustersAsFsckCounts(String variant) throws IOException {
        String[] v = variant.split(":");
        Path img = dir.resolve("fat" + v[0] + ".img");
        Tool.run("truncate", "-s", v[1], img.toString()).ok();
        Tool.run("mkfs.vfat", "-F", v[0], "-n", "FAT" + v[0], "-i", "1234abcd", img.toString()).ok();
        Path file = dir.resolve("payload.bin");
        Files.write(file, new byte[300_000]);
        Tool.run("mcopy", "-i", img.toString(), file.toString(), "::/payload.bin").ok();
        String fsck = Tool.run("fsck.fat", "-n", "-v", img.toString()).stdout();
        Matcher m = Pattern.compile("(\\d+)/(\\d+) clusters").matcher(fsck);
        assertTrue(m.find(), fsck);
        long used = Long.parseLong(m.group(1));
        long total = Long.parseLong(m.group(2));
        try (Image dev = Images.open(img, OpenOptions.readOnlyDefaults().withFormat("raw"))) {
            Content c = ContentProbe.identify(dev);
            assertEquals(new Content("vfat", "FAT" + v[0], "1234-ABCD"), c);
            FatBootSector bs = FatBootSector.read(dev);
            StatFs st = bs.statfs(dev);
            assertEquals(total, st.blocks());
            assertEquals(total - used, st.freeBlocks());
            assertEquals(v[0].equals("32"), bs.isFat32());
        }
    }
}
