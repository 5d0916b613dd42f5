package dev.platter.cli;

import dev.platter.testdata.Fixtures;
import dev.platter.testdata.RequiresTool;
import dev.platter.testdata.Tool;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

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
 * Platter reads the VHDX disks qemu-img writes as qemu-img reads them: the same bytes, and {@code info} and
 * {@code check} print what qemu-img prints (human and JSON; check's per-problem lines, which qemu prints through
 * error_report, without qemu's program-name prefix). {@code map} differs on purpose: qemu 7.2 has no block status
 * for vhdx and maps every byte as data without an offset (its human map then fails); Platter maps from the BAT.
 * A dirty log differs on purpose too: qemu refuses to open it read-only, Platter replays it in memory.
 */
@RequiresTool({"qemu-img", "qemu-io"})
class VhdxMatchesQemuImgTest {
    @TempDir
    static Path dir;

    static List<String> images() {
        return List.of("dynamic.vhdx", "fixed.vhdx", "fixed-allocated.vhdx", "not-present.vhdx", "blocks-1M.vhdx",
                "blocks-256M.vhdx", "truncated.vhdx");
    }

    @BeforeAll
    static void makeImages() throws IOException {
        Path raw = dir.resolve("source.raw");
        byte[] data = new byte[24 << 20];
        Random random = new Random(13);
        for (int[] range : new int[][] {{0, 1 << 20}, {9 << 20, 192 << 10}, {(24 << 20) - (64 << 10), 64 << 10}}) {
            for (int i = range[0]; i < range[0] + range[1]; i++) {
                data[i] = (byte) (i < (1 << 19) ? random.nextInt() : i / 4096);
            }
        }
        Files.write(raw, data);
        String[][] made = {{"dynamic", ""}, {"fixed", "subformat=fixed"},
            {"fixed-allocated", "subformat=fixed,block_state_zero=off"}, {"not-present", "block_state_zero=off"},
            {"blocks-1M", "block_size=1M"}, {"blocks-256M", "block_size=256M"}, {"truncated", "block_size=1M"}};
        for (String[] m : made) {
            List<String> cmd = new ArrayList<>(List.of("qemu-img", "convert", "-f", "raw", "-O", "vhdx"));
            if (!m[1].isEmpty()) {
                cmd.addAll(List.of("-o", m[1]));
            }
            cmd.addAll(List.of(raw.toString(), path(m[0] + ".vhdx")));
            Tool.run(cmd.toArray(String[]::new)).ok();
        }
        try (RandomAccessFile f = new RandomAccessFile(path("truncated.vhdx"), "rw")) {
            f.setLength(f.length() - (3 << 20) + 4096);
        }
    }

    private static String path(String name) {
        return dir.resolve(name).toString();
    }

    /** The same exit status, stdout and stderr (qemu-img's error_report prefix taken off each line). */
    private static void sameAsQemuImg(String... args) {
        List<String> cmd = new ArrayList<>(List.of("qemu-img"));
        cmd.addAll(List.of(args));
        Tool.Result q = Tool.run(cmd.toArray(new String[0]));
        Cli.Result p = Cli.run(args);
        String what = String.join(" ", args);
        assertEquals(q.stdout(), p.out(), what);
        assertEquals(q.stderr().replaceAll("(?m)^qemu-img: ", ""), p.err().replaceAll("(?m)^platter: ", ""), what);
        assertEquals(q.exitCode(), p.exit(), what);
    }

    @ParameterizedTest
    @MethodSource("images")
    void infoMatches(String image) {
        if (image.equals("truncated.vhdx")) {
            return; // qemu's open fails (see truncatedDisks)
        }
        sameAsQemuImg("info", path(image));
        sameAsQemuImg("info", "--output=json", path(image));
    }

    @ParameterizedTest
    @MethodSource("images")
    void checkMatches(String image) throws IOException {
        sameAsQemuImg("check", path(image));
        sameAsQemuImg("check", "--output=json", path(image));
        Path copy = dir.resolve("copy-" + image);
        Files.copy(dir.resolve(image), copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        sameAsQemuImg("check", "-r", "all", copy.toString());
    }

    /** Platter's raw copy is what qemu-img reads from the image. */
    @ParameterizedTest
    @MethodSource("images")
    void readsTheBytesQemuImgReads(String image) throws IOException {
        if (image.equals("truncated.vhdx")) {
            return;
        }
        Path out = dir.resolve(image + ".platter.raw");
        Files.deleteIfExists(out);
        Cli.Result r = Cli.run("convert", "-O", "raw", path(image), out.toString());
        assertEquals(0, r.exit(), r.err());
        Tool.Result cmp = Tool.run("qemu-img", "compare", "-f", "raw", "-F", "vhdx", out.toString(), path(image));
        assertEquals("Images are identical.\n", cmp.stdout(), image + ": " + cmp.stderr());
        Files.delete(out);
    }

    /** qemu refuses to open a disk whose blocks lie past its end; Platter too, naming the first one. */
    @Test
    void truncatedDisks() {
        Tool.Result q = Tool.run("qemu-img", "info", path("truncated.vhdx"));
        Cli.Result p = Cli.run("info", path("truncated.vhdx"));
        assertEquals(q.exitCode(), p.exit());
        String first = q.stderr().lines().findFirst().orElseThrow().replace("qemu-img: ", "");
        assertTrue(first.startsWith("VHDX BAT entry "), q.stderr());
        assertTrue(p.err().contains(first), p.err());
    }

    /** qemu 7.2 maps everything as data without an offset; Platter maps what the BAT says, block by block. */
    @Test
    void mapFollowsTheBatWhereQemuImgSaysAllData() {
        Tool.Result q = Tool.run("qemu-img", "map", "--output=json", path("blocks-1M.vhdx")).ok();
        assertEquals("[{ \"start\": 0, \"length\": 25165824, \"depth\": 0, \"present\": true, \"zero\": false, "
                + "\"data\": true}]\n", q.stdout());
        Cli.Result p = Cli.run("map", "--output=json", path("blocks-1M.vhdx"));
        assertEquals(0, p.exit(), p.err());
        assertTrue(p.out().startsWith("[{ \"start\": 0, \"length\": 1048576, \"depth\": 0, \"present\": true, "
                + "\"zero\": false, \"data\": true, \"offset\": "), p.out());
        assertTrue(p.out().contains("\"zero\": true, \"data\": false"), p.out());
        Cli.Result human = Cli.run("map", path("blocks-1M.vhdx"));
        assertEquals(0, human.exit(), human.err());
        assertTrue(human.out().contains(path("blocks-1M.vhdx")), human.out());
    }

    /** qemu refuses a dirty log read-only; Platter reads through an in-memory replay and check counts it. */
    @Test
    void aDirtyLogIsReadWhereQemuRefuses() throws IOException {
        Path dirty = Fixtures.expand("vhdx-dirty-log.vhdx", dir);
        Tool.Result q = Tool.run("qemu-img", "info", dirty.toString());
        assertEquals(1, q.exitCode());
        assertTrue(q.stderr().contains("contains a log that needs to be replayed"), q.stderr());
        byte[] before = Files.readAllBytes(dirty);
        Cli.Result info = Cli.run("info", dirty.toString());
        assertEquals(0, info.exit(), info.err());
        assertTrue(info.out().contains("file format: vhdx"), info.out());
        Cli.Result check = Cli.run("check", dirty.toString());
        assertEquals(2, check.exit(), check.err());
        assertTrue(check.err().contains("check -r all"), check.err());
        assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(dirty)), "read-only commands changed it");
        Path copy = dir.resolve("dirty-copy.vhdx");
        Files.copy(dirty, copy);
        Tool.Result qr = Tool.run("qemu-img", "check", "-r", "all", copy.toString());
        Cli.Result pr = Cli.run("check", "-r", "all", dirty.toString());
        assertEquals(qr.stdout(), pr.out());
        assertEquals(qr.exitCode(), pr.exit());
        assertEquals(0, Tool.run("qemu-img", "compare", copy.toString(), dirty.toString()).exitCode());
    }
}
