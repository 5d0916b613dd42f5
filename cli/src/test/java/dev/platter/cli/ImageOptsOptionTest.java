package dev.platter.cli;

import dev.platter.core.image.ImageKeys;
import dev.platter.core.image.OpenOptions;
import dev.platter.operation.CommitOptions;
import dev.platter.operation.CompareOptions;
import dev.platter.operation.ConvertOptions;
import dev.platter.operation.DdOptions;
import dev.platter.operation.MeasureOptions;
import dev.platter.operation.RebaseOptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * {@code --image-opts} (and convert's {@code --target-image-opts}) on every command qemu-img 7.2 takes it on: the
 * same image as a file name, qemu-img's messages for what it refuses, and the layer keys an option list names
 * reaching the options each command opens its images with.
 */
class ImageOptsOptionTest {
    @TempDir
    static Path dir;
    static String img;
    static String opts;

    @BeforeAll
    static void image() {
        img = dir.resolve("a.qcow2").toString();
        QemuImgOracle.run("create", "-q", "-f", "qcow2", img, "1M");
        QemuImgOracle.io("qcow2", img, "write -P 7 64k 64k");
        opts = "driver=qcow2,file.filename=" + img;
    }

    private static <T> T parsed(T command, String... args) {
        new CommandLine(command).parseArgs(args);
        return command;
    }

    private static byte[] key(ImageKeys keys, int depth) {
        return keys.keyFor(depth, Path.of("x")).bytes();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void anOptionListOpensTheSameImageAsItsFileName() {
        QemuImgOracle.sameAs("info", "--output=json", "--image-opts", opts);
        QemuImgOracle.sameAs("info", "--image-opts", "file.filename=" + img + ",file.driver=file");
        QemuImgOracle.sameAs("map", "--output=json", "--image-opts", opts + ",force-share=on");
        QemuImgOracle.sameAs("check", "--image-opts", opts);
        QemuImgOracle.sameAs("measure", "-O", "qcow2", "--image-opts", opts);
        QemuImgOracle.sameAs("compare", "--image-opts", opts, opts);
        QemuImgOracle.sameAs("snapshot", "-l", "--image-opts", opts);
        // An unencrypted image never looks the id up. (qemu-img names the image json:{...} then; Platter by its file.)
        Cli.Result r = Cli.run("info", "--object", "secret,id=s0,data=x", "--image-opts",
                opts + ",encrypt.key-secret=nope");
        assertEquals(0, r.exit(), r.err());
        assertEquals(Cli.run("info", img).out(), r.out());
    }

    @Test
    void convertReadsAndWritesThroughOptionLists() throws Exception {
        Path out = dir.resolve("out.raw");
        Cli.Result r = Cli.run("convert", "--image-opts", opts, out.toString());
        assertEquals(0, r.exit(), r.err());
        Path existing = dir.resolve("existing.raw");
        Files.write(existing, new byte[1 << 20]);
        r = Cli.run("convert", "-n", "--target-image-opts", img, "driver=raw,file.filename=" + existing);
        assertEquals(0, r.exit(), r.err());
        assertArrayEquals(Files.readAllBytes(out), Files.readAllBytes(existing));
        QemuImgOracle.sameAs("compare", "-f", "raw", "-F", "raw", out.toString(), existing.toString());
    }

    @Test
    void aFormatOptionWithImageOptsIsRefusedAsQemuImgRefusesIt() {
        String out = dir.resolve("never.raw").toString();
        QemuImgOracle.sameAs("info", "--image-opts", "-f", "qcow2", opts);
        QemuImgOracle.sameAs("map", "--image-opts", "-f", "qcow2", opts);
        QemuImgOracle.sameAs("check", "--image-opts", "-f", "qcow2", opts);
        QemuImgOracle.sameAs("compare", "--image-opts", "-F", "qcow2", opts, opts); // exit 2
        QemuImgOracle.sameAs("convert", "--image-opts", "-f", "qcow2", opts, out);
        QemuImgOracle.sameAs("convert", "--target-image-opts", "-O", "raw", img, "driver=raw,file.filename=" + out);
        QemuImgOracle.sameAs("convert", "-n", "--target-image-opts", "-O", "raw", img, "driver=raw,file.filename="
                + out);
        QemuImgOracle.sameAs("measure", "--image-opts", "-f", "qcow2", opts);
        QemuImgOracle.sameAs("measure", "--size", "1M", "-f", "raw");
        QemuImgOracle.sameAs("dd", "--image-opts", "-f", "qcow2", "if=" + opts, "of=" + out);
        QemuImgOracle.sameAs("rebase", "--image-opts", "-f", "qcow2", "-u", "-b", "", opts);
        QemuImgOracle.sameAs("commit", "--image-opts", "-f", "qcow2", opts);
        QemuImgOracle.sameAs("resize", "--image-opts", "-f", "qcow2", opts, "2M");
        QemuImgOracle.sameAs("amend", "--image-opts", "-f", "qcow2", "-o", "lazy_refcounts=on", opts);
        // snapshot takes no -f in qemu-img (a Platter extension): the same refusal.
        Cli.Result r = Cli.run("snapshot", "--image-opts", "-f", "qcow2", "-l", opts);
        assertEquals("platter: --image-opts and --format are mutually exclusive\n", r.err());
    }

    @Test
    void badOptionListsGetQemuImgsMessages() {
        QemuImgOracle.sameAs("info", "--image-opts", img); // a file name is no option list
        QemuImgOracle.sameAs("compare", "--image-opts", opts, img);
        QemuImgOracle.sameAs("info", "--image-opts", opts + ",bogus=1");
        QemuImgOracle.sameAs("info", "--image-opts", opts + ",file.bogus=1");
        QemuImgOracle.sameAs("info", "--image-opts", "driver=qcow2");
        QemuImgOracle.sameAs("info", "--image-opts", "driver=raw,file.filename=" + img + ",key-secret=s0");
        QemuImgOracle.sameAs("info", "--image-opts", opts + ",force-share=maybe");
        QemuImgOracle.sameAs("info", "-U", "--image-opts", opts + ",force-share=off");
        QemuImgOracle.sameAs("compare", "-U", "--image-opts", opts + ",force-share=off", opts);
        QemuImgOracle.sameAs("check", "-r", "all", "--image-opts", opts + ",force-share=on");
        QemuImgOracle.sameAs("resize", "--image-opts", opts + ",force-share=on", "2M");
        QemuImgOracle.sameAs("commit", "--image-opts", opts + ",force-share=on");
        QemuImgOracle.sameAs("convert", "-n", "--target-image-opts", img, opts + ",force-share=on");
        QemuImgOracle.sameAs("measure", "--image-opts");
        // The formats list Platter adds after an unknown name (docs/cli.md) aside, qemu-img's line.
        Cli.Result r = Cli.run("info", "--image-opts", "driver=nope,file.filename=" + img);
        assertEquals("platter: Could not open 'driver=nope,file.filename=" + img + "': Unknown driver 'nope'\n",
                Cli.withoutFormatsHint(r.err()));
    }

    @Test
    void layerKeysReachEveryCommandsOpenOptions() throws Exception {
        String[] secrets = {"--object", "secret,id=top,data=one", "--object", "secret,id=low,data=two"};
        String top = "driver=qcow2,file.filename=t.qcow2,encrypt.key-secret=top,backing.encrypt.key-secret=low";

        ImageArgs images = parsed(new ImageArgs(), concat(secrets, "--image-opts"));
        OpenOptions info = ImageOpener.options(images.image(top, null), true, true, false, false);
        assertArrayEquals(bytes("one"), info.keyFor(Path.of("t.qcow2")).bytes());
        assertArrayEquals(bytes("two"), key(info.keys(), 1));
        assertEquals("qcow2", info.format());

        CompareOptions compare = parsed(new CompareCommand(), concat(secrets, "--image-opts", top,
                "driver=luks,file.filename=l.luks,key-secret=low")).options();
        assertArrayEquals(bytes("one"), key(compare.firstKeys(), 0));
        assertArrayEquals(bytes("two"), key(compare.secondKeys(), 0));
        assertEquals("luks", compare.secondFormat());

        ConvertOptions convert = parsed(new ConvertCommand(), concat(secrets, "--image-opts", top,
                "driver=raw,file.filename=plain.raw", "out.qcow2", "-O", "qcow2", "-o",
                "encrypt.format=luks,encrypt.key-secret=low")).options();
        assertArrayEquals(bytes("two"), key(convert.sourceKeys(0), 1));
        assertNull(convert.sourceKeys(1).keyFor(0, Path.of("plain.raw")));
        assertEquals("qcow2", convert.sourceFormat(0));
        assertEquals("raw", convert.sourceFormat(1));
        assertEquals("low", convert.createOptions().get("encrypt.key-secret"));
        assertArrayEquals(bytes("two"), convert.secrets().get("low").bytes()); // for the target's creation

        ConvertOptions into = parsed(new ConvertCommand(), concat(secrets, "-n", "--target-image-opts",
                "plain.raw", "driver=luks,file.filename=t.luks,key-secret=top")).options();
        assertArrayEquals(bytes("one"), key(into.targetKeys(), 0));
        assertEquals("luks", into.targetFormat());

        DdOptions dd = parsed(new DdCommand(), concat(secrets, "--image-opts", "if=" + top, "of=o.raw")).options();
        assertArrayEquals(bytes("two"), key(dd.inputKeys(), 1));
        assertEquals(Path.of("t.qcow2"), dd.input());

        MeasureOptions measure = parsed(new MeasureCommand(), concat(secrets, "--image-opts", top))
                .imageOptions(Map.of());
        assertArrayEquals(bytes("one"), key(measure.sourceKeys(), 0));

        RebaseOptions rebase = parsed(new RebaseCommand(), concat(secrets, "--image-opts", "-b", "n.raw", "-F", "raw",
                top)).options();
        assertArrayEquals(bytes("two"), key(rebase.keys(), 1));

        CommitOptions commit = parsed(new CommitCommand(), concat(secrets, "--image-opts", top)).options();
        assertArrayEquals(bytes("one"), key(commit.keys(), 0));
        assertArrayEquals(bytes("two"), key(commit.keys(), 1));
    }

    private static String[] concat(String[] a, String... b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
