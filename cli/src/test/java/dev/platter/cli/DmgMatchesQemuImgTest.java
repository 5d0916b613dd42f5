package dev.platter.cli;

import dev.platter.testdata.DmgFixtures;
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
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import static dev.platter.testdata.DmgFixtures.BZIP2;
import static dev.platter.testdata.DmgFixtures.IGNORE;
import static dev.platter.testdata.DmgFixtures.RAW;
import static dev.platter.testdata.DmgFixtures.ZERO;
import static dev.platter.testdata.DmgFixtures.ZLIB;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Platter reads Apple disk images as qemu-img reads them (qemu-img cannot create them; they are built from the
 * format, {@link DmgFixtures}): the same bytes (convert to raw), and {@code info}, {@code map} (qemu's dmg driver has
 * no block status: one data run without an offset, and the human map's refusal) and {@code check} (not supported)
 * print what qemu-img prints. Debian's qemu-img lacks its dmg-bz2 and dmg-lzfse modules and says so on stderr at
 * every open ({@code qemu: module block-block-dmg-bz2 not found, ...}); those lines are left out of the comparison,
 * and a bzip2 chunk, which that qemu-img cannot read, is compared with the content it was made from.
 */
@RequiresTool("qemu-img")
class DmgMatchesQemuImgTest {
    @TempDir
    static Path dir;

    static List<String> images() {
        return List.of("plist.dmg", "resource-fork.dmg", "one-zlib.dmg");
    }

    @BeforeAll
    static void makeImages() throws IOException {
        Files.write(dir.resolve("plist.dmg"), DmgFixtures.image(false, RAW, ZERO, ZLIB, IGNORE, RAW, ZLIB));
        Files.write(dir.resolve("resource-fork.dmg"), DmgFixtures.image(true, ZLIB, RAW, ZERO));
        Files.write(dir.resolve("one-zlib.dmg"), DmgFixtures.image(false, ZLIB));
    }

    private static String path(String name) {
        return dir.resolve(name).toString();
    }

    private static String withoutModuleNoise(String stderr) {
        return stderr.lines().filter(l -> !l.startsWith("qemu: module ")).map(l -> l + "\n")
                .collect(Collectors.joining());
    }

    private static void sameAsQemuImg(String... args) {
        List<String> cmd = new ArrayList<>(List.of("qemu-img"));
        cmd.addAll(List.of(args));
        Tool.Result q = Tool.run(cmd.toArray(new String[0]));
        Cli.Result p = Cli.run(args);
        String what = String.join(" ", args);
        assertEquals(q.stdout(), p.out(), what);
        assertEquals(withoutModuleNoise(q.stderr()).replace("qemu-img: ", "platter: "), p.err(), what);
        assertEquals(q.exitCode(), p.exit(), what);
    }

    @ParameterizedTest
    @MethodSource("images")
    void infoMapAndCheckMatch(String image) {
        sameAsQemuImg("info", path(image));
        sameAsQemuImg("info", "--output=json", path(image));
        sameAsQemuImg("map", path(image));
        sameAsQemuImg("map", "--output=json", path(image));
        sameAsQemuImg("check", path(image));
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
        assertArrayEquals(Files.readAllBytes(theirs), Files.readAllBytes(mine), image);
        Files.delete(mine);
        Files.delete(theirs);
    }

    /** bzip2 chunks: Platter reads them (Apache Commons Compress); Debian's qemu-img fails without its module. */
    @Test
    void bzip2ChunksAreRead() throws IOException {
        Files.write(dir.resolve("bzip2.dmg"), DmgFixtures.image(false, RAW, BZIP2, ZERO, BZIP2));
        Path mine = dir.resolve("bzip2.platter.raw");
        Cli.Result r = Cli.run("convert", "-O", "raw", path("bzip2.dmg"), mine.toString());
        assertEquals(0, r.exit(), r.err());
        assertArrayEquals(DmgFixtures.disk(RAW, BZIP2, ZERO, BZIP2), Files.readAllBytes(mine));
    }
}
