package dev.platter.cli;

import dev.platter.testdata.RequiresTool;
import dev.platter.testdata.Tool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code create -f vpc} and {@code convert -O vpc} as a user sees them next to qemu-img: the same "Formatting" line
 * and refusals for every option qemu-img takes, disks whose {@code info} is qemu-img's; and Platter's own
 * {@code azure=on} and {@code check --azure}.
 */
@RequiresTool({"qemu-img"})
class VpcCreateMatchesQemuImgTest {
    @TempDir
    Path dir;

    private String[] in(Path folder, String... args) {
        String[] out = args.clone();
        for (int i = 0; i < out.length; i++) {
            out[i] = out[i].replace("@", folder.toString());
        }
        return out;
    }

    /** The same exit status and output, and then the same info (JSON, but for the allocation). */
    private void sameAsQemuImg(String... args) throws IOException {
        Path q = Files.createTempDirectory(dir, "q");
        Path p = Files.createTempDirectory(dir, "p");
        List<String> cmd = new ArrayList<>(List.of("qemu-img"));
        cmd.addAll(List.of(in(q, args)));
        Tool.Result theirs = Tool.run(cmd.toArray(String[]::new));
        Cli.Result mine = Cli.run(in(p, args));
        String what = String.join(" ", args);
        assertEquals(theirs.stdout().replace(q.toString(), "@"), mine.out().replace(p.toString(), "@"), what);
        assertEquals(theirs.stderr().replace("qemu-img: ", "platter: ").replace(q.toString(), "@"),
                Cli.withoutFormatsHint(mine.err()).replace(p.toString(), "@"), what);
        assertEquals(theirs.exitCode(), mine.exit(), what);
        if (theirs.exitCode() == 0) {
            String qi = Tool.run("qemu-img", "info", "--output=json", "-f", "vpc", q.resolve("d.vhd").toString())
                    .ok().stdout();
            String pi = Tool.run("qemu-img", "info", "--output=json", "-f", "vpc", p.resolve("d.vhd").toString())
                    .ok().stdout();
            assertEquals(qi.replaceAll("\"actual-size\": \\d+", "").replace(q.toString(), "@"),
                    pi.replaceAll("\"actual-size\": \\d+", "").replace(p.toString(), "@"), what);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "subformat=fixed", "subformat=dynamic", "force_size=on", "force_size=on,subformat=fixed",
        "subformat=foo", "force_size=maybe", "cluster_size=64k", "backing_fmt=raw"})
    void createSaysWhatQemuImgSays(String options) throws IOException {
        if (options.isEmpty()) {
            sameAsQemuImg("create", "-f", "vpc", "@/d.vhd", "3G");
        } else {
            sameAsQemuImg("create", "-f", "vpc", "-o", options, "@/d.vhd", "3G");
        }
    }

    @Test
    void sizesQemuImgRefusesOrRounds() throws IOException {
        sameAsQemuImg("create", "-f", "vpc", "@/d.vhd", "3T");
        sameAsQemuImg("create", "-f", "vpc", "-o", "force_size=on", "@/d.vhd", "3T");
        sameAsQemuImg("create", "-f", "vpc", "@/d.vhd", "3000");
        sameAsQemuImg("create", "-f", "vpc", "@/d.vhd", "0");
        sameAsQemuImg("create", "-f", "vpc", "-b", "@/base.raw", "-F", "raw", "@/d.vhd", "1M");
    }

    @Test
    void azureOnRoundsUpWithAWarningAndCheckAzureSaysYes() throws IOException {
        String f = dir.resolve("a.vhd").toString();
        Cli.Result r = Cli.run("create", "-f", "vpc", "-o", "azure=on", f, "10000000");
        assertEquals(0, r.exit(), r.err());
        assertEquals("Formatting '" + f + "', fmt=vpc size=10000000 azure=on\n", r.out());
        assertEquals("platter: warning: azure=on: the size 10000000 is not a whole number of MiB; the VHD is made "
                + "10485760 bytes, as Azure requires\n", r.err());
        assertEquals(10485760 + 512, Files.size(Path.of(f)));
        ByteBuffer footer = ByteBuffer.allocate(512);
        try (FileChannel ch = FileChannel.open(Path.of(f))) {
            ch.read(footer, Files.size(Path.of(f)) - 512);
        }
        assertEquals(10485760, footer.getLong(48), "the footer's current size");
        assertEquals(2, footer.getInt(60), "fixed");
        Cli.Result check = Cli.run("check", "--azure", f);
        assertEquals(0, check.exit(), check.err());
        assertEquals("Azure accepts '" + f + "' as an uploaded disk.\n", check.out());
        Cli.Result json = Cli.run("check", "--azure", "--output=json", f);
        assertTrue(json.out().contains("\"azure-accepts\": true"), json.out());
        assertTrue(json.out().contains("\"format\": \"vpc\""), json.out());
    }

    @Test
    void checkAzureExplainsARefusalAndPlainCheckStaysQemuImgs() throws IOException {
        Path src = dir.resolve("s.raw");
        Files.write(src, new byte[3 << 20]);
        String fixed = dir.resolve("f.vhd").toString();
        String dynamic = dir.resolve("d.vhd").toString();
        Tool.run("qemu-img", "convert", "-f", "raw", "-O", "vpc", "-o", "subformat=fixed", src.toString(), fixed).ok();
        Tool.run("qemu-img", "convert", "-f", "raw", "-O", "vpc", src.toString(), dynamic).ok();
        Cli.Result f = Cli.run("check", "--azure", fixed);
        assertEquals(1, f.exit());
        assertEquals("Azure would refuse '" + fixed + "' as an uploaded disk:\n  the virtual size 3168256 is not a "
                + "whole number of MiB (4194304 is)\n", f.out());
        Cli.Result d = Cli.run("check", "--azure", dynamic);
        assertEquals(1, d.exit());
        assertTrue(d.out().contains("a dynamic VHD: Azure takes fixed VHDs only"), d.out());
        Cli.Result raw = Cli.run("check", "--azure", src.toString());
        assertEquals(1, raw.exit());
        assertTrue(raw.out().contains("a raw image: Azure takes fixed VHDs only"), raw.out());
        Cli.Result plain = Cli.run("check", dynamic);
        Tool.Result q = Tool.run("qemu-img", "check", dynamic);
        assertEquals(q.exitCode(), plain.exit());
        assertEquals(q.stderr().replace("qemu-img: ", "platter: "), plain.err());
        assertEquals(q.stdout(), plain.out());
        Cli.Result converted = Cli.run("convert", "-O", "vpc", "-o", "azure=on", src.toString(),
                dir.resolve("c.vhd").toString());
        assertEquals(0, converted.exit(), converted.err());
        assertEquals("", converted.err(), "3 MiB is whole already");
        assertEquals(0, Cli.run("check", "--azure", dir.resolve("c.vhd").toString()).exit());
    }
}
