package dev.platter.cli;

import dev.platter.testdata.RequiresTool;
import dev.platter.testdata.Tool;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Platter reads every VDI qemu-img writes as qemu-img reads it (the same bytes; {@code info}, {@code map} and
 * {@code check} print what qemu-img prints, human and JSON), creates what qemu-img creates with the same words,
 * and converts to a VDI that qemu-img reads back equal and checks clean.
 */
@RequiresTool({"qemu-img", "qemu-io"})
class VdiMatchesQemuImgTest {
    @TempDir
    static Path dir;

    static List<String> images() {
        return List.of("dynamic.vdi", "static.vdi", "empty.vdi", "odd.vdi", "written.vdi", "static-written.vdi",
                "damaged.vdi");
    }

    @BeforeAll
    static void makeImages() throws IOException {
        Path raw = dir.resolve("source.raw");
        byte[] data = new byte[8 << 20];
        Random random = new Random(13);
        for (int[] range : new int[][] {{0, 1 << 20}, {3 << 20, 192 << 10}, {(8 << 20) - (64 << 10), 64 << 10}}) {
            for (int i = range[0]; i < range[0] + range[1]; i++) {
                data[i] = (byte) (i < (1 << 19) ? random.nextInt() : i / 4096);
            }
        }
        Files.write(raw, data);
        QemuImgOracle.run("convert", "-f", "raw", "-O", "vdi", raw.toString(), path("dynamic.vdi"));
        QemuImgOracle.run("convert", "-f", "raw", "-O", "vdi", "-o", "static=on", raw.toString(), path("static.vdi"));
        QemuImgOracle.run("create", "-f", "vdi", path("empty.vdi"), "0");
        QemuImgOracle.run("create", "-f", "vdi", path("odd.vdi"), "1000000");
        QemuImgOracle.run("create", "-f", "vdi", path("written.vdi"), "12M");
        QemuImgOracle.io("vdi", path("written.vdi"), "write -P 5 10M 4k", "write -P 6 1M 1M", "write -z 5M 1M", "write -P 7 0 512");
        QemuImgOracle.run("create", "-f", "vdi", "-o", "static=on", path("static-written.vdi"), "4M");
        QemuImgOracle.io("vdi", path("static-written.vdi"), "write -P 5 1M 64k", "write -P 6 3M 512");
        Files.copy(dir.resolve("written.vdi"), dir.resolve("damaged.vdi"));
        try (RandomAccessFile f = new RandomAccessFile(dir.resolve("damaged.vdi").toFile(), "rw")) {
            f.seek(512 + 4 * 11);
            f.write(new byte[] {1, 0, 0, 0}); // block 11 shares block 1's data
            f.seek(0x184);
            f.write(new byte[] {9, 0, 0, 0}); // and the count is off
        }
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
    void checkMatches(String image) {
        QemuImgOracle.sameAs("check", path(image));
        QemuImgOracle.sameAs("check", "--output=json", path(image));
        QemuImgOracle.sameAs("check", "-r", "all", path(image));
    }

    /** Platter's raw copy is what qemu-img reads from the image. */
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
        assertTrue(java.util.Arrays.equals(Files.readAllBytes(theirs), Files.readAllBytes(mine)), image);
        Files.delete(mine);
        Files.delete(theirs);
    }

    // -------------------------------------------------------------------------------- create and convert

    /** Each run in its own folder under the same file name, so that messages naming the file are the same. */
    private void createSameAsQemuImg(String... args) throws IOException {
        Path q = Files.createTempDirectory(dir, "q");
        Path p = Files.createTempDirectory(dir, "p");
        String[] theirs = args.clone();
        String[] mine = args.clone();
        for (int i = 0; i < args.length; i++) {
            theirs[i] = args[i].replace("@", q.toString());
            mine[i] = args[i].replace("@", p.toString());
        }
        List<String> cmd = new ArrayList<>(List.of("qemu-img"));
        cmd.addAll(List.of(theirs));
        Tool.Result t = Tool.run(cmd.toArray(new String[0]));
        Cli.Result m = Cli.run(mine);
        String what = String.join(" ", args);
        assertEquals(t.stdout().replace(q.toString(), "@"), m.out().replace(p.toString(), "@"), what);
        assertEquals(t.stderr().replace("qemu-img: ", "platter: ").replace(q.toString(), "@"),
                Cli.withoutFormatsHint(m.err()).replace(p.toString(), "@"), what);
        assertEquals(t.exitCode(), m.exit(), what);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "static=on", "static=off", "static=yes", "static", "static=maybe", "cluster_size=64k",
        "preallocation=off", "preallocation=metadata", "preallocation=bogus", "static=on,preallocation=falloc"})
    void createSaysWhatQemuImgSays(String options) throws IOException {
        if (options.isEmpty()) {
            createSameAsQemuImg("create", "-f", "vdi", "@/d.vdi", "3M");
        } else {
            createSameAsQemuImg("create", "-f", "vdi", "-o", options, "@/d.vdi", "3M");
        }
    }

    @Test
    void createRefusalsAreQemuImgs() throws IOException {
        createSameAsQemuImg("create", "-f", "vdi", "@/d.vdi", "600T");
        createSameAsQemuImg("create", "-f", "vdi", "-b", path("dynamic.vdi"), "-F", "vdi", "@/d.vdi");
    }

    /** Platter's convert to vdi: qemu-img reads it back equal, checks it clean and describes it as its own. */
    @ParameterizedTest
    @ValueSource(strings = {"static=off", "static=on"})
    void convertedImagesAreQemuImgs(String options) throws IOException {
        Path mine = dir.resolve("converted-" + options + ".vdi");
        Path theirs = dir.resolve("qemu-converted-" + options + ".vdi");
        Cli.Result c = Cli.run("convert", "-O", "vdi", "-o", options, path("source.raw"), mine.toString());
        assertEquals(0, c.exit(), c.err());
        QemuImgOracle.run("convert", "-O", "vdi", "-o", options, path("source.raw"), theirs.toString());
        assertEquals("Images are identical.\n", Tool.run("qemu-img", "compare", "-f", "raw", "-F", "vdi",
                path("source.raw"), mine.toString()).ok().stdout());
        assertTrue(Tool.run("qemu-img", "check", mine.toString()).ok().stdout().contains("No errors"));
        for (String[] args : List.of(new String[] {"info", "--output=json"}, new String[] {"map", "--output=json"})) {
            String a = Tool.run("qemu-img", args[0], args[1], theirs.toString()).ok().stdout()
                    .replace(theirs.toString(), "X");
            String b = Tool.run("qemu-img", args[0], args[1], mine.toString()).ok().stdout()
                    .replace(mine.toString(), "X");
            assertEquals(a, b, String.join(" ", args) + " " + options);
        }
    }
}
