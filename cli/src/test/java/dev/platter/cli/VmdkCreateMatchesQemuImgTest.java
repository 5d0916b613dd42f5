package dev.platter.cli;

import dev.platter.testdata.RequiresTool;
import dev.platter.testdata.Tool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code create -f vmdk} and {@code convert -O vmdk} as a user sees them next to qemu-img: the same "Formatting"
 * line and the same refusals for every option qemu-img takes, and disks whose {@code info} (human and JSON) is what
 * qemu-img prints for its own (once the random CIDs are set aside).
 */
@RequiresTool({"qemu-img"})
class VmdkCreateMatchesQemuImgTest {
    @TempDir
    Path dir;

    /** Each run in its own folder under the same file name, so that messages naming the file are the same. */
    private String[] in(Path folder, String... args) {
        String[] out = args.clone();
        for (int i = 0; i < out.length; i++) {
            out[i] = out[i].replace("@", folder.toString());
        }
        return out;
    }

    private Tool.Result qemu(Path folder, String... args) {
        List<String> cmd = new ArrayList<>(List.of("qemu-img"));
        cmd.addAll(List.of(in(folder, args)));
        return Tool.run(cmd.toArray(String[]::new));
    }

    /** The same exit status and output, but for the prefix and the formats hint after an unknown name. */
    private void sameAsQemuImg(String... args) throws IOException {
        Path q = Files.createTempDirectory(dir, "q");
        Path p = Files.createTempDirectory(dir, "p");
        Tool.Result theirs = qemu(q, args);
        Cli.Result mine = Cli.run(in(p, args));
        String what = String.join(" ", args);
        assertEquals(theirs.stdout().replace(q.toString(), "@"), mine.out().replace(p.toString(), "@"), what);
        assertEquals(theirs.stderr().replace("qemu-img: ", "platter: ").replace(q.toString(), "@"),
                Cli.withoutFormatsHint(mine.err()).replace(p.toString(), "@"), what);
        assertEquals(theirs.exitCode(), mine.exit(), what);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "subformat=monolithicFlat", "subformat=twoGbMaxExtentSparse",
        "subformat=twoGbMaxExtentFlat", "subformat=streamOptimized", "adapter_type=lsilogic,hwversion=14",
        "toolsversion=123,zeroed_grain=on", "compat6=on", "adapter_type=buslogic,compat6=on",
        "subformat=monolithicFlat,zeroed_grain=on", "hwversion=6,compat6=on", "adapter_type=pvscsi",
        "subformat=foo", "zeroed_grain=maybe", "cluster_size=64k", "backing_fmt=qcow2"})
    void createSaysWhatQemuImgSays(String options) throws IOException {
        if (options.isEmpty()) {
            sameAsQemuImg("create", "-f", "vmdk", "@/d.vmdk", "3G");
        } else {
            sameAsQemuImg("create", "-f", "vmdk", "-o", options, "@/d.vmdk", "3G");
        }
    }

    @Test
    void backingFilesAreVmdkOnly() throws IOException {
        String parent = dir.resolve("parent.vmdk").toString();
        Tool.run("qemu-img", "create", "-q", "-f", "vmdk", parent, "1M").ok();
        sameAsQemuImg("create", "-f", "vmdk", "-o", "subformat=monolithicFlat", "-b", parent, "-F", "vmdk",
                "@/d.vmdk", "1M");
        sameAsQemuImg("create", "-f", "vmdk", "-b", parent, "-F", "vmdk", "@/d.vmdk");
        sameAsQemuImg("create", "-f", "vmdk", "-o", "subformat=streamOptimized", "-b", parent, "-F", "vmdk",
                "@/d.vmdk");
    }

    /** Platter's disks as qemu-img describes them: only the CID differs, so it is copied over before comparing. */
    @ParameterizedTest
    @ValueSource(strings = {"monolithicSparse", "monolithicFlat", "twoGbMaxExtentSparse", "twoGbMaxExtentFlat",
        "streamOptimized"})
    void infoOfPlattersDisksIsQemuImgsOfTheSame(String subformat) throws IOException {
        Path d = dir.resolve(subformat + ".vmdk");
        Files.write(dir.resolve("src.raw"), new byte[3 << 20]);
        Cli.Result c = Cli.run("convert", "-O", "vmdk", "-o", "subformat=" + subformat,
                dir.resolve("src.raw").toString(), d.toString());
        assertEquals(0, c.exit(), c.err());
        for (String[] args : List.of(new String[] {"info", d.toString()},
                new String[] {"info", "--output=json", d.toString()},
                new String[] {"map", "--output=json", d.toString()})) {
            Tool.Result q = Tool.run(prepend("qemu-img", args)).ok();
            Cli.Result p = Cli.run(args);
            assertEquals(q.stdout(), p.out(), String.join(" ", args));
        }
        assertTrue(Tool.run("qemu-img", "check", d.toString()).ok().stdout().contains("No errors"));
    }

    /** {@code -} as the target: a stream-optimized disk on stdout that qemu-img reads as the source. */
    @Test
    void convertToStdoutWritesAStreamQemuImgReads() throws IOException {
        byte[] data = new byte[5 << 20];
        new java.util.Random(4).nextBytes(data);
        java.util.Arrays.fill(data, 1 << 20, 3 << 20, (byte) 0);
        Path src = dir.resolve("piped.raw");
        Files.write(src, data);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        dev.platter.cli.output.Stdout.capture(out);
        Cli.Result r;
        try {
            r = Cli.run("convert", "-O", "vmdk", "-o", "subformat=streamOptimized", src.toString(), "-");
        } finally {
            dev.platter.cli.output.Stdout.capture(null);
        }
        assertEquals(0, r.exit(), r.err());
        Path disk = dir.resolve("disk.vmdk");
        Files.write(disk, out.toByteArray());
        assertEquals("Images are identical.\n", Tool.run("qemu-img", "compare", "-F", "vmdk", src.toString(),
                disk.toString()).ok().stdout());
        assertTrue(Tool.run("qemu-img", "check", disk.toString()).ok().stdout().contains("No errors"));
        Cli.Result flat = Cli.run("convert", "-O", "vmdk", src.toString(), "-");
        assertEquals(1, flat.exit());
        assertTrue(flat.err().contains("only subformat=streamOptimized can be written to a stream"), flat.err());
        Cli.Result unordered = Cli.run("convert", "-W", "-O", "vmdk", "-o", "subformat=streamOptimized",
                src.toString(), "-");
        assertEquals(1, unordered.exit());
        assertTrue(unordered.err().contains("front to back"), unordered.err());
    }

    private static String[] prepend(String first, String[] rest) {
        String[] out = new String[rest.length + 1];
        out[0] = first;
        System.arraycopy(rest, 0, out, 1, rest.length);
        return out;
    }
}
