package dev.platter.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.platter.testdata.RequiresTool;
import dev.platter.testdata.Tool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CreateCommandTest {
    @TempDir
    Path dir;

    @Test
    @RequiresTool("qemu-img")
    void tenGibibytesSparse() throws Exception {
        String f = dir.resolve("ten.raw").toString();
        Cli.Result r = Cli.run("create", "-f", "raw", f, "10G");
        assertEquals(0, r.exit(), r.err());
        assertEquals("Formatting '" + f + "', fmt=raw size=10737418240\n", r.out());
        JsonNode info = new ObjectMapper().readTree(
                Tool.run("qemu-img", "info", "--output=json", "-f", "raw", f).ok().stdout());
        assertEquals(10L << 30, info.get("virtual-size").asLong());
        assertTrue(info.get("actual-size").asLong() <= 8192, "disk size ~0: " + info);
    }

    /** Same arguments, same file and same output as qemu-img create. */
    @ParameterizedTest
    @RequiresTool("qemu-img")
    @ValueSource(strings = {"1000", "1k", "0", "1.5G", "-o preallocation=falloc 1M", "-o preallocation=full 1M",
            "-o size=2M", "-q 1M"})
    void sameAsQemuImg(String args) throws Exception {
        String[] extra = args.split(" ");
        Path ours = dir.resolve("ours.raw");
        Path theirs = dir.resolve("theirs.raw");
        String[] cmdOurs = concat(new String[] {"create", "-f", "raw"}, extra, ours.toString());
        String[] cmdTheirs = concat(new String[] {"qemu-img", "create", "-f", "raw"}, extra, theirs.toString());
        // qemu-img takes the size after the file name
        cmdOurs = moveFileBeforeSize(cmdOurs);
        cmdTheirs = moveFileBeforeSize(cmdTheirs);
        Tool.Result q = Tool.run(cmdTheirs).ok();
        Cli.Result p = Cli.run(cmdOurs);
        assertEquals(0, p.exit(), p.err());
        assertEquals(q.stdout().replace(theirs.toString(), "F"), p.out().replace(ours.toString(), "F"));
        assertEquals(Files.size(theirs), Files.size(ours));
        assertEquals(Tool.run("qemu-img", "info", "--output=json", "-f", "raw", theirs.toString()).ok().stdout()
                        .replace(theirs.toString(), "F"),
                Tool.run("qemu-img", "info", "--output=json", "-f", "raw", ours.toString()).ok().stdout()
                        .replace(ours.toString(), "F"));
    }

    private static String[] concat(String[] a, String[] b, String file) {
        String[] out = new String[a.length + b.length + 1];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        out[out.length - 1] = file;
        return out;
    }

    /** [..., opts..., SIZE?, FILE] -> [..., opts..., FILE, SIZE?] */
    private static String[] moveFileBeforeSize(String[] cmd) {
        String file = cmd[cmd.length - 1];
        String prev = cmd[cmd.length - 2];
        boolean prevIsSize = !prev.startsWith("-") && !cmd[cmd.length - 3].equals("-o")
                && !prev.equals("raw");
        if (prevIsSize) {
            cmd[cmd.length - 2] = file;
            cmd[cmd.length - 1] = prev;
        }
        return cmd;
    }
}
