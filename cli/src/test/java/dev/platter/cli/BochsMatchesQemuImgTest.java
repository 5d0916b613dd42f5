package dev.platter.cli;

import dev.platter.testdata.BochsFixtures;
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
 * Platter reads Bochs redologs as qemu-img reads them (qemu-img cannot create them; they are built from the format,
 * {@link BochsFixtures}): the same bytes (convert to raw), and {@code info}, {@code map} (qemu's bochs driver has no
 * block status: one data run without an offset, and the human map's refusal) and {@code check} (not supported)
 * print what qemu-img prints.
 */
@RequiresTool("qemu-img")
class BochsMatchesQemuImgTest {
    @TempDir
    static Path dir;

    static List<String> images() {
        return List.of("small-extents.bochs", "bximage-like.bochs", "empty.bochs");
    }

    @BeforeAll
    static void makeImages() throws IOException {
        Files.write(dir.resolve("small-extents.bochs"), BochsFixtures.redolog(4096, 4, new byte[] {0b00100011}, null,
                new byte[] {(byte) 0xff}));
        byte[] half = new byte[64];
        java.util.Arrays.fill(half, 0, 32, (byte) 0x55);
        Files.write(dir.resolve("bximage-like.bochs"), BochsFixtures.redolog(256 << 10, 12, null, half, null, null,
                new byte[64], null, null, null, null, null, null, new byte[] {1, 0, 0, 0, 0, 0, 0, (byte) 0x80}));
        Files.write(dir.resolve("empty.bochs"), BochsFixtures.redolog(4096, 2));
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
