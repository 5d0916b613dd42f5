package dev.platter.cli;

import dev.platter.testdata.CloopFixtures;
import dev.platter.testdata.RequiresTool;
import dev.platter.testdata.Tool;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Platter reads cloop images as qemu-img reads them (qemu-img cannot create them; they are built from the format,
 * {@link CloopFixtures}): the same bytes (convert to raw), and {@code info}, {@code map} (qemu's cloop driver has no
 * block status: one data run without an offset, and the human map's refusal) and {@code check} (not supported)
 * print what qemu-img prints.
 */
@RequiresTool("qemu-img")
class CloopMatchesQemuImgTest {
    @TempDir
    static Path dir;

    static List<String> images() {
        return List.of("small.cloop", "big-blocks.cloop", "one.cloop");
    }

    @BeforeAll
    static void makeImages() throws IOException {
        Files.write(dir.resolve("small.cloop"), CloopFixtures.image(1024, 7));
        Files.write(dir.resolve("big-blocks.cloop"), CloopFixtures.image(256 << 10, 9));
        Files.write(dir.resolve("one.cloop"), CloopFixtures.image(512, 1));
    }

    private static String path(String name) {
        return dir.resolve(name).toString();
    }

    @ParameterizedTest
    @MethodSource("images")
    void infoMapAndCheckMatch(String image) {
        QemuImgOracle.sameAs("info", path(image));
        QemuImgOracle.sameAs("info", "--output=json", path(image));
        QemuImgOracle.sameAs("map", path(image));
        QemuImgOracle.sameAs("map", "--output=json", path(image));
        QemuImgOracle.sameAs("check", path(image));
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
        Tool.run("qemu-img", "convert", "-O", "raw", path(image), theirs.toString()).ok();
        assertEquals("Images are identical.\n", Tool.run("qemu-img", "compare", "-f", "raw", "-F", "raw",
                theirs.toString(), mine.toString()).ok().stdout(), image);
        assertEquals(Files.size(theirs), Files.size(mine));
        Files.delete(mine);
        Files.delete(theirs);
    }
}
