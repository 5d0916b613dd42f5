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
 * {@code create -f vhdx} and {@code convert -O vhdx} as a user sees them next to qemu-img: the same "Formatting"
 * line and the same refusals for the options qemu-img takes, and disks whose {@code info} (human and JSON) is what
 * qemu-img prints for its own.
 */
@RequiresTool({"qemu-img"})
class VhdxCreateMatchesQemuImgTest {
    @TempDir
    Path dir;

    private String[] in(Path folder, String... args) {
        String[] out = args.clone();
        for (int i = 0; i < out.length; i++) {
            out[i] = out[i].replace("@", folder.toString());
        }
        return out;
    }

    /** The same exit status and output, but for the prefix and the formats hint after an unknown name. */
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
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "subformat=fixed", "subformat=dynamic", "block_size=1M", "block_size=3M",
        "block_size=512M", "block_size=0", "log_size=100", "log_size=2M", "log_size=5G", "block_state_zero=off",
        "block_state_zero=on,subformat=fixed", "block_state_zero=maybe", "subformat=diff", "cluster_size=64k"})
    void createSaysWhatQemuImgSays(String options) throws IOException {
        if (options.isEmpty()) {
            sameAsQemuImg("create", "-f", "vhdx", "@/d.vhdx", "100M");
        } else {
            sameAsQemuImg("create", "-f", "vhdx", "-o", options, "@/d.vhdx", "100M");
        }
    }

    @Test
    void sizesQemuImgRefusesOrRounds() throws IOException {
        sameAsQemuImg("create", "-f", "vhdx", "@/d.vhdx", "65T");
        sameAsQemuImg("create", "-f", "vhdx", "@/d.vhdx", "1000");
        sameAsQemuImg("create", "-f", "vhdx", "-b", "@/base.vhdx", "-F", "vhdx", "@/d.vhdx", "1M");
    }

    @ParameterizedTest
    @ValueSource(strings = {"subformat=dynamic", "subformat=fixed", "block_size=1M,block_state_zero=off"})
    void infoOfPlattersDisksIsQemuImgsOfTheSame(String options) throws IOException {
        Path d = dir.resolve("d.vhdx");
        byte[] data = new byte[3 << 20];
        java.util.Arrays.fill(data, 1 << 20, 2 << 20, (byte) 7);
        Files.write(dir.resolve("src.raw"), data);
        Cli.Result c = Cli.run("convert", "-O", "vhdx", "-o", options, dir.resolve("src.raw").toString(),
                d.toString());
        assertEquals(0, c.exit(), c.err());
        for (String[] args : List.of(new String[] {"info", d.toString()},
                new String[] {"info", "--output=json", d.toString()},
                new String[] {"check", d.toString()}, new String[] {"check", "--output=json", d.toString()})) {
            List<String> cmd = new ArrayList<>(List.of("qemu-img"));
            cmd.addAll(List.of(args));
            Tool.Result q = Tool.run(cmd.toArray(String[]::new)).ok();
            Cli.Result p = Cli.run(args);
            assertEquals(q.stdout(), p.out(), String.join(" ", args));
        }
        assertEquals("Images are identical.\n", Tool.run("qemu-img", "compare", "-f", "raw", "-F", "vhdx",
                dir.resolve("src.raw").toString(), d.toString()).ok().stdout());
        assertTrue(Files.size(d) > 0);
    }
}
