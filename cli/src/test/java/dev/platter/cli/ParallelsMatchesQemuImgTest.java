package dev.platter.cli;

import dev.platter.testdata.RequiresTool;
import dev.platter.testdata.Tool;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Platter reads the Parallels images qemu-img writes as qemu-img reads them: the same bytes (convert to raw), and
 * {@code info} and {@code map} print what qemu-img prints, human and JSON.
 */
@RequiresTool({"qemu-img", "qemu-io"})
class ParallelsMatchesQemuImgTest {
    @TempDir
    static Path dir;

    static List<String> images() {
        return List.of("empty.hdd", "written.hdd", "small-clusters.hdd", "odd.hdd");
    }

    @BeforeAll
    static void makeImages() {
        QemuImgOracle.run("create", "-f", "parallels", path("empty.hdd"), "5M");
        QemuImgOracle.run("create", "-f", "parallels", path("written.hdd"), "9M");
        QemuImgOracle.io("parallels", path("written.hdd"), "write -P 1 0 70k", "write -P 2 4M 4k", "write -P 3 8M 1M", "write -P 4 1M 1M");
        QemuImgOracle.run("create", "-f", "parallels", "-o", "cluster_size=64k", path("small-clusters.hdd"), "3M");
        QemuImgOracle.io("parallels", path("small-clusters.hdd"), "write -P 5 64k 192k", "write -P 6 0 4k", "write -z 2M 64k");
        QemuImgOracle.run("create", "-f", "parallels", path("odd.hdd"), "1000000");
        QemuImgOracle.io("parallels", path("odd.hdd"), "write -P 7 999424 512");
    }

    private static String path(String name) {
        return dir.resolve(name).toString();
    }

    @ParameterizedTest
    @MethodSource("images")
    void infoMatches(String image) {
        QemuImgOracle.sameAs("info", path(image));
        QemuImgOracle.sameAs("info", "--output=json", path(image));
    }

    @ParameterizedTest
    @MethodSource("images")
    void mapMatches(String image) {
        QemuImgOracle.sameAs("map", path(image));
        QemuImgOracle.sameAs("map", "--output=json", path(image));
    }

    @ParameterizedTest
    @MethodSource("images")
    void readsTheBytesQemuImgReads(String image) throws IOException {
        Path mine = dir.resolve(image + ".platter.raw");
        Path theirs = dir.resolve(image + ".qemu.raw");
        Files.deleteIfExists(mine);
        Files.deleteIfExists(theirs);
        Cli.Result r = Cli.run("convert", "-O", "raw", path(image), mine.toString());
        assertEquals(0, r.exit(), r.err());
        QemuImgOracle.run("convert", "-O", "raw", path(image), theirs.toString());
        assertEquals("Images are identical.\n", Tool.run("qemu-img", "compare", "-f", "raw", "-F", "raw",
                theirs.toString(), mine.toString()).ok().stdout(), image);
        assertEquals(Files.size(theirs), Files.size(mine));
        Files.delete(mine);
        Files.delete(theirs);
    }

    @Test
    void creatingIsRefusedByName() {
        Cli.Result c = Cli.run("create", "-f", "parallels", path("new.hdd"), "1M");
        assertEquals(1, c.exit());
        assertTrue(c.err().contains("'parallels' images are read only so far"), c.err());
        assertTrue(Files.notExists(dir.resolve("new.hdd")));
    }
}
