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
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Platter reads the VHDs qemu-img writes as qemu-img reads them: the same bytes, and {@code info}, {@code map} and
 * {@code check} (which qemu has not for vpc) print what qemu-img prints, human and JSON. Fixed disks are named with
 * {@code -f vpc} (probed, both take them for raw). The images: dynamic and fixed, each with and without force_size,
 * from a raw with data, holes and zeros; one written by qemu-io; an empty one.
 */
@RequiresTool({"qemu-img", "qemu-io"})
class VpcMatchesQemuImgTest {
    @TempDir
    static Path dir;

    static List<String> images() {
        return List.of("dynamic.vhd", "fixed.vhd", "dynamic-force.vhd", "fixed-force.vhd", "written.vhd",
                "empty.vhd");
    }

    @BeforeAll
    static void makeImages() throws IOException {
        Path raw = dir.resolve("source.raw");
        byte[] data = new byte[9 << 20];
        Random random = new Random(12);
        for (int[] range : new int[][] {{0, 1 << 20}, {5 << 20, 192 << 10}, {(9 << 20) - (64 << 10), 64 << 10}}) {
            for (int i = range[0]; i < range[0] + range[1]; i++) {
                data[i] = (byte) (i < (1 << 19) ? random.nextInt() : i / 4096);
            }
        }
        Files.write(raw, data);
        QemuImgOracle.run("convert", "-f", "raw", "-O", "vpc", raw.toString(), path("dynamic.vhd"));
        QemuImgOracle.run("convert", "-f", "raw", "-O", "vpc", "-o", "subformat=fixed", raw.toString(), path("fixed.vhd"));
        QemuImgOracle.run("convert", "-f", "raw", "-O", "vpc", "-o", "force_size=on", raw.toString(), path("dynamic-force.vhd"));
        QemuImgOracle.run("convert", "-f", "raw", "-O", "vpc", "-o", "subformat=fixed,force_size=on", raw.toString(),
                path("fixed-force.vhd"));
        QemuImgOracle.run("create", "-f", "vpc", path("written.vhd"), "50M");
        Tool.run("qemu-io", "-f", "vpc", "-c", "write -P 7 0 100k", "-c", "write -P 9 7M 3M", "-c",
                "write -z 20M 1M", path("written.vhd")).ok();
        QemuImgOracle.run("create", "-f", "vpc", path("empty.vhd"), "0");
    }

    static String path(String name) {
        return dir.resolve(name).toString();
    }

    @ParameterizedTest
    @MethodSource("images")
    void infoMatches(String image) {
        QemuImgOracle.sameAs("info", "-f", "vpc", path(image));
        QemuImgOracle.sameAs("info", "--output=json", "-f", "vpc", path(image));
    }

    @ParameterizedTest
    @MethodSource("images")
    void mapMatches(String image) {
        QemuImgOracle.sameAs("map", "-f", "vpc", path(image));
        QemuImgOracle.sameAs("map", "--output=json", "-f", "vpc", path(image));
    }

    /** qemu's vpc driver has no check: the same refusal, exit status 63. */
    @ParameterizedTest
    @MethodSource("images")
    void checkMatches(String image) {
        QemuImgOracle.sameAs("check", "-f", "vpc", path(image));
        QemuImgOracle.sameAs("check", "--output=json", "-f", "vpc", path(image));
        QemuImgOracle.sameAs("check", "-r", "all", "-f", "vpc", path(image));
    }

    /** Probed, a dynamic VHD is vpc and a fixed one raw for both; Platter notes the footer on stderr only. */
    @ParameterizedTest
    @MethodSource("images")
    void probedInfoMatchesOnStdout(String image) {
        Tool.Result q = Tool.run("qemu-img", "info", "--output=json", path(image));
        Cli.Result p = Cli.run("info", "--output=json", path(image));
        assertEquals(q.stdout(), p.out(), image);
        assertEquals(q.exitCode(), p.exit(), image);
    }

    /** Platter's raw copy is what qemu-img reads from the image. */
    @ParameterizedTest
    @MethodSource("images")
    void readsTheBytesQemuImgReads(String image) throws IOException {
        Path out = dir.resolve(image + ".platter.raw");
        Files.deleteIfExists(out);
        Cli.Result r = Cli.run("convert", "-f", "vpc", "-O", "raw", path(image), out.toString());
        assertEquals(0, r.exit(), r.err());
        Tool.Result cmp = Tool.run("qemu-img", "compare", "-f", "raw", "-F", "vpc", out.toString(), path(image));
        assertEquals("Images are identical.\n", cmp.stdout(), image + ": " + cmp.stderr());
        Files.delete(out);
    }

    /** What qemu's vpc driver cannot do is refused with qemu-img's words: resize, measure, amend; no snapshots. */
    @Test
    void whatQemuCannotDoIsRefusedAlike() throws IOException {
        Files.copy(dir.resolve("dynamic.vhd"), dir.resolve("resize.vhd"));
        QemuImgOracle.sameAs("resize", "-f", "vpc", path("resize.vhd"), "+1M");
        QemuImgOracle.sameAs("measure", "-O", "vpc", "--size", "1G");
        QemuImgOracle.sameAs("amend", "-f", "vpc", "-o", "force_size=on", path("resize.vhd"));
        QemuImgOracle.sameAs("snapshot", "-l", path("resize.vhd"));
    }

    /** A broken footer checksum: qemu-img refuses the file; so does Platter, naming the footer. */
    @Test
    void badChecksumIsRefused() throws IOException {
        byte[] f = Files.readAllBytes(dir.resolve("dynamic.vhd"));
        f[100] ^= 1;
        Files.write(dir.resolve("bad.vhd"), f);
        Tool.Result q = Tool.run("qemu-img", "info", path("bad.vhd"));
        assertTrue(q.stderr().contains("Incorrect header checksum"), q.stderr());
        Cli.Result p = Cli.run("info", path("bad.vhd"));
        assertEquals(q.exitCode(), p.exit());
        assertTrue(p.err().contains("VHD footer") && p.err().contains("Incorrect header checksum"), p.err());
    }
}
