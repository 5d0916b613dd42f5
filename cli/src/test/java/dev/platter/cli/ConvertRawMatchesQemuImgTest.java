package dev.platter.cli;

import dev.platter.testdata.RequiresTool;
import dev.platter.testdata.Tool;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code platter convert} to raw allocates exactly what {@code qemu-img convert} allocates (same {@code qemu-img
 * map}) and produces the same content, across qemu's zero-detection cases ({@code -S}), {@code -n}, and several
 * concatenated sources.
 */
@RequiresTool("qemu-img")
class ConvertRawMatchesQemuImgTest {
    @TempDir
    static Path dir;
    static Path src;
    static Path second;

    @BeforeAll
    static void images() throws Exception {
        src = dir.resolve("src.raw");
        RawPattern p = RawPattern.create(src, 24L << 20);
        p.random(0, 1 << 20)
                // zero stretches inside data: shorter and longer than 4k, aligned and not
                .zeros(100 * 1024, 512).zeros(200 * 1024, 3584).zeros(300 * 1024, 4096).zeros(401 * 1024, 8192)
                .zeros(520 * 1024 + 512, 12288).zeros(640 * 1024, 65536).zeros(800 * 1024, 200 * 1024)
                .text(3L << 20, 300_000)
                .zeros(5L << 20, 1 << 20)            // a whole data run of zeros
                .poke((6L << 20) + 70_000, 7)         // a lone byte in a hole
                .random(9L << 20, 2_500_000)          // crosses a 2 MiB request boundary
                .zeros((9L << 20) + 1_000_000, 40_000)
                .text((20L << 20) + 1234, 5000);
        p.done(src);
        second = dir.resolve("second.raw");
        RawPattern.create(second, 3L << 20).text(4096, 10_000).zeros(1 << 20, 65536).random(2L << 20, 4096)
                .done(second);
    }

    private static String map(Path f) {
        return Tool.run("qemu-img", "map", "--output=json", "-f", "raw", f.toString()).ok().stdout();
    }

    private void sameAsQemu(String name, List<String> options, List<Path> sources) throws Exception {
        Path ours = dir.resolve(name + ".ours.raw");
        Path theirs = dir.resolve(name + ".theirs.raw");
        List<String> q = new ArrayList<>(List.of("qemu-img", "convert", "-f", "raw", "-O", "raw"));
        q.addAll(options);
        sources.forEach(s -> q.add(s.toString()));
        q.add(theirs.toString());
        Tool.run(q.toArray(new String[0])).ok();
        List<String> p = new ArrayList<>(List.of("convert", "-f", "raw", "-O", "raw"));
        p.addAll(options);
        sources.forEach(s -> p.add(s.toString()));
        p.add(ours.toString());
        Cli.Result r = Cli.run(p.toArray(new String[0]));
        assertEquals(0, r.exit(), r.err());
        assertEquals("", r.out());
        assertEquals(map(theirs).replace(theirs.toString(), "T"), map(ours).replace(ours.toString(), "T"),
                "allocation differs from qemu-img's for " + options);
        Tool.run("qemu-img", "compare", "-f", "raw", "-F", "raw", theirs.toString(), ours.toString()).ok();
        Files.delete(ours);
        Files.delete(theirs);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "-S 0", "-S 512", "-S 1k", "-S 8k", "-S 64k", "-S 3584", "-S 16M", "-m 1",
            "-m 16 -W"})
    void zeroDetectionAllocatesLikeQemu(String opts) throws Exception {
        List<String> options = opts.isEmpty() ? List.of() : List.of(opts.split(" "));
        sameAsQemu("s" + opts.replace(' ', '_'), options, List.of(src));
    }

    @Test
    void progressIsPrintedAsQemuImgPrintsIt() throws Exception {
        Path ours = dir.resolve("p.ours.raw");
        Path theirs = dir.resolve("p.theirs.raw");
        String q = Tool.run("qemu-img", "convert", "-p", "-f", "raw", "-O", "raw", src.toString(), theirs.toString())
                .ok().stdout();
        Cli.Result r = Cli.run("convert", "-p", "-f", "raw", "-O", "raw", src.toString(), ours.toString());
        assertEquals(0, r.exit(), r.err());
        assertEquals(q, r.out());
        Files.delete(ours);
        Files.delete(theirs);
    }

    @Test
    void severalSourcesAreConcatenated() throws Exception {
        sameAsQemu("concat", List.of(), List.of(second, src, second));
    }

    @Test
    void existingTargetIsZeroedWhereTheSourceIsZero() throws Exception {
        for (boolean promise : new boolean[] {false, true}) {
            Path ours = dir.resolve("n-ours.raw");
            Path theirs = dir.resolve("n-theirs.raw");
            for (Path t : List.of(ours, theirs)) {
                RawPattern.create(t, 30L << 20).random(0, 30 << 20).done(t);
            }
            List<String> extra = promise ? List.of("-n", "--target-is-zero") : List.of("-n");
            List<String> q = new ArrayList<>(List.of("qemu-img", "convert", "-f", "raw", "-O", "raw"));
            q.addAll(extra);
            q.addAll(List.of(src.toString(), theirs.toString()));
            Tool.run(q.toArray(new String[0])).ok();
            List<String> p = new ArrayList<>(List.of("convert", "-f", "raw", "-O", "raw"));
            p.addAll(extra);
            p.addAll(List.of(src.toString(), ours.toString()));
            Cli.Result r = Cli.run(p.toArray(new String[0]));
            assertEquals(0, r.exit(), r.err());
            assertEquals(map(theirs).replace(theirs.toString(), "T"), map(ours).replace(ours.toString(), "T"));
            assertEquals(Tool.run("qemu-img", "compare", "-f", "raw", "-F", "raw", theirs.toString(),
                    src.toString()).exitCode(), Tool.run("qemu-img", "compare", "-f", "raw", "-F", "raw",
                    ours.toString(), src.toString()).exitCode());
        }
    }

    @Test
    void errorsAreQemuImgs() throws Exception {
        String s = src.toString();
        String t = dir.resolve("err.raw").toString();
        String[][] cases = {
            {"-m", "0", s, t}, {"-m", "17", s, t}, {"-S", "100", s, t}, {"-c", s, t},
            {"--target-is-zero", s, t}, {"-n", s, dir.resolve("nosuch.raw").toString()}, {s},
            {"-O", "foo", s, t}, {"-B", s, s, t}, {"-o", "cluster_size=1k", s, t},
            {"-o", "preallocation=full", "-n", s, s},
        };
        for (String[] c : cases) {
            List<String> q = new ArrayList<>(List.of("qemu-img", "convert", "-f", "raw"));
            q.addAll(List.of(c));
            Tool.Result qr = Tool.run(q.toArray(new String[0]));
            List<String> p = new ArrayList<>(List.of("convert", "-f", "raw"));
            p.addAll(List.of(c));
            Cli.Result pr = Cli.run(p.toArray(new String[0]));
            assertEquals(qr.exitCode(), pr.exit(), String.join(" ", c));
            String qMsg = qr.stderr().strip().replace("qemu-img: ", "");
            String pMsg = Cli.withoutFormatsHint(pr.err()).strip().replace("platter: ", "");
            // qemu-img repeats the file name in open errors; the rest is the same.
            qMsg = qMsg.replaceAll("Could not open '([^']*)': Could not open '\\1': ", "Could not open '$1': ");
            assertEquals(qMsg, pMsg, String.join(" ", c));
            assertTrue(!Files.exists(Path.of(t)), "no target on error");
        }
    }
}
