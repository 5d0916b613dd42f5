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

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@code map}, {@code compare}, {@code measure} and {@code dd} print and exit exactly as qemu-img does (raw). */
@RequiresTool("qemu-img")
class MapCompareMeasureDdMatchQemuImgTest {
    @TempDir
    static Path dir;

    @BeforeAll
    static void images() throws Exception {
        Path a = dir.resolve("a.raw");
        RawPattern.create(a, 8L << 20).random(0, 1 << 20).text(3L << 20, 100_000).poke(7L << 20, 1).done(a);
        Path b = dir.resolve("b.raw");
        RawPattern.create(b, 8L << 20).random(0, 1 << 20).text(3L << 20, 100_000).poke(7L << 20, 1)
                .poke(3L << 20 | 777, 0).done(b);
        Path c = dir.resolve("c.raw");
        RawPattern.create(c, 10L << 20).random(0, 1 << 20).text(3L << 20, 100_000).poke(7L << 20, 1)
                .zeros(9L << 20, 4096).done(c);
        Path d = dir.resolve("d.raw");
        RawPattern.create(d, 10L << 20).random(0, 1 << 20).text(3L << 20, 100_000).poke(7L << 20, 1)
                .poke(9L << 20 | 1000, 9).done(d);
        Path e = dir.resolve("e.raw");
        RawPattern.create(e, 8L << 20).random(0, 1 << 20).text(3L << 20, 100_000).poke(7L << 20, 1)
                .zeros(5L << 20, 8192).done(e);
        Files.write(dir.resolve("odd.raw"), new byte[] {1, 2, 3});
    }

    /** Runs the same arguments (with {@code @} standing for the test folder) through both tools. */
    private static void same(String command, String args) {
        List<String> a = new ArrayList<>();
        for (String s : args.split(" ")) {
            if (!s.isEmpty()) {
                a.add(s.replace("@", dir + "/"));
            }
        }
        List<String> q = new ArrayList<>(List.of("qemu-img", command));
        q.addAll(a);
        Tool.Result qr = Tool.run(q.toArray(new String[0]));
        List<String> p = new ArrayList<>(List.of(command));
        p.addAll(a);
        Cli.Result pr = Cli.run(p.toArray(new String[0]));
        assertEquals(qr.exitCode(), pr.exit(), command + " " + args + "\n" + pr.err());
        assertEquals(qr.stdout(), pr.out(), command + " " + args);
        String qErr = qr.stderr().strip().replace("qemu-img: ", "").replace("\n", " ")
                .replaceAll("Could not open '([^']*)': Could not open '\\1': ", "Could not open '$1': ")
                .replace(" Invalid options for file format 'qcow2'", "")
                .replace(" Invalid options for file format 'raw'", "");
        assertEquals(qErr, Cli.withoutFormatsHint(pr.err()).strip().replace("platter: ", ""), command + " " + args);
    }

    @ParameterizedTest
    @ValueSource(strings = {"-f raw @a.raw", "--output=json -f raw @a.raw", "--output=json -f raw @odd.raw",
            "-f raw --start-offset=1M --max-length=3M @a.raw", "--output=json -f raw --start-offset=1000 @a.raw",
            "--output=json -f raw --start-offset=9G @a.raw", "-f raw --start-offset=9G @a.raw",
            "--output=json --max-length=0 -f raw @a.raw", "--output=json -f raw --start-offset=x @a.raw",
            "--output=json -f raw --max-length=-1 @a.raw", "--output=xml -f raw @a.raw", "-f raw @nosuch"})
    void map(String args) {
        same("map", args);
    }

    @ParameterizedTest
    @ValueSource(strings = {"-f raw -F raw @a.raw @a.raw", "-f raw -F raw @a.raw @b.raw", "@b.raw @a.raw",
            "@a.raw @c.raw", "@c.raw @a.raw", "@a.raw @d.raw", "-s @a.raw @c.raw", "-s @a.raw @e.raw",
            "-s @a.raw @a.raw", "@a.raw @e.raw", "-q @a.raw @b.raw", "@a.raw @nosuch.raw", "@nosuch.raw @a.raw",
            "-f raw -F raw @odd.raw @odd.raw"})
    void compare(String args) {
        same("compare", args);
    }

    @ParameterizedTest
    @ValueSource(strings = {"--size 10G -O qcow2", "--output=json --size 10G -O qcow2 -o preallocation=full",
            "--size 1G -O qcow2 -o cluster_size=3k", "--size 1G -O qcow2 -o refcount_bits=3",
            "--size 1G -O qcow2 -o extended_l2=on,cluster_size=4k", "--size 1G -O qcow2 -o compat=0.10",
            "--size 1000 -O qcow2", "--size 1000 -O raw", "-O qcow2", "--size 1G -O qcow2 @a.raw",
            "-f raw @a.raw", "--output=json -O qcow2 -f raw @a.raw",
            "--output=json -O qcow2 -o cluster_size=4k,refcount_bits=1 -f raw @a.raw",
            "--output=json -O qcow2 -o cluster_size=2M,refcount_bits=64 --size 16T",
            "--output=json -O qcow2 -o cluster_size=512,refcount_bits=1 --size 100M",
            "--output=json -O qcow2 -o cluster_size=16k,extended_l2=on --size 123456789",
            "--size 1G -O qcow2 -o compat=0.10,refcount_bits=1", "--size 16T -O qcow2 -o cluster_size=512",
            "--output=json --size 8E -O qcow2 -o cluster_size=2M", "--size 1G -O qcow2 -o foo=bar",
            "--output=json --size 1G -O qcow2 -o preallocation=metadata", "--size 1M -O foo",
            "--output=json --size 0 -O qcow2", "--size 1G -O qcow2 -o compat=v3"})
    void measure(String args) {
        same("measure", args);
    }

    @Test
    void dd() throws Exception {
        String[] cases = {"bs=1M count=3", "bs=1M skip=2 count=5", "bs=1000 count=3", "bs=3M count=11 skip=1",
            "bs=64k skip=200", "bs=1k count=0", "count=9"};
        for (String c : cases) {
            Path q = dir.resolve("dd-q.raw");
            Path p = dir.resolve("dd-p.raw");
            List<String> args = new ArrayList<>(List.of("-f", "raw", "if=" + dir.resolve("a.raw")));
            args.addAll(List.of(c.split(" ")));
            List<String> qa = new ArrayList<>(List.of("qemu-img", "dd"));
            qa.addAll(args);
            qa.add("of=" + q);
            Tool.Result qr = Tool.run(qa.toArray(new String[0]));
            List<String> pa = new ArrayList<>(List.of("dd"));
            pa.addAll(args);
            pa.add("of=" + p);
            Cli.Result pr = Cli.run(pa.toArray(new String[0]));
            assertEquals(qr.exitCode(), pr.exit(), c);
            assertArrayEquals(Files.readAllBytes(q), Files.readAllBytes(p), c);
            Files.delete(q);
            Files.delete(p);
        }
        same("dd", "if=@a.raw of=@x.raw bs=0");
        same("dd", "if=@a.raw");
        same("dd", "if=@a.raw of=@x.raw foo=1");
    }
}
