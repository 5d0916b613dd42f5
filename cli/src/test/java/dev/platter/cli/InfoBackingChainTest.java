package dev.platter.cli;

import dev.platter.testdata.RequiresTool;
import dev.platter.testdata.Tool;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code info --backing-chain} follows the references exactly as {@code map} and {@code convert} do: the same gate,
 * so the same names are followed and the same ones refused, and where qemu-img follows them too, the same output.
 */
@RequiresTool("qemu-img")
class InfoBackingChainTest {
    @TempDir
    Path dir;

    private Path base;

    @BeforeEach
    void base() {
        base = dir.resolve("base.raw");
        Tool.run("qemu-img", "create", "-q", "-f", "raw", base.toString(), "1M").ok();
    }

    private Path top(String name, String backing) {
        Path top = dir.resolve(name);
        Tool.run("qemu-img", "create", "-q", "-f", "qcow2", "-u", "-b", backing, "-F", "raw", top.toString(), "1M")
                .ok();
        return top;
    }

    /** Platter and qemu-img print the same, with the same exit status. */
    private static void sameAsQemu(String... args) {
        String[] q = new String[args.length + 1];
        q[0] = "qemu-img";
        System.arraycopy(args, 0, q, 1, args.length);
        Tool.Result qemu = Tool.run(q);
        Cli.Result ours = Cli.run(args);
        assertEquals(qemu.exitCode(), ours.exit(), String.join(" ", args) + "\n" + ours.err() + qemu.stderr());
        assertEquals(qemu.stdout(), ours.out(), String.join(" ", args));
    }

    @Test
    void anAbsoluteFileNameIsFollowedAsQemuFollowsIt() {
        Path top = top("file-abs.qcow2", "file:" + base);
        sameAsQemu("info", "--backing-chain", top.toString());
        sameAsQemu("info", "--backing-chain", "--output=json", top.toString());
        assertTrue(Cli.run("info", "--backing-chain", top.toString()).out().contains("\nimage: " + base + "\n"));
    }

    @Test
    void relativeNamesLeavingTheFolderAreFollowedAsQemuFollowsThem() throws IOException {
        Path sub = Files.createDirectories(dir.resolve("sub"));
        Path mid = sub.resolve("mid.qcow2");
        Tool.run("qemu-img", "create", "-q", "-f", "qcow2", "-b", "../base.raw", "-F", "raw", mid.toString()).ok();
        Path top = dir.resolve("top.qcow2");
        Tool.run("qemu-img", "create", "-q", "-f", "qcow2", "-b", "sub/mid.qcow2", "-F", "qcow2", top.toString())
                .ok();
        sameAsQemu("info", "--backing-chain", top.toString());
        sameAsQemu("info", "--backing-chain", "--output=json", top.toString());
    }

    @Test
    void aRelativeFileNameIsJoinedToTheImageFolderAsMapJoinsIt() {
        // qemu-img joins a relative "file:" name to its working directory, not to the image's folder (a
        // difference documented in cli.md); Platter's info must do what its own map and convert do.
        Path top = top("file-rel.qcow2", "file:base.raw");
        assertEquals(0, Cli.run("map", top.toString()).exit());
        Cli.Result info = Cli.run("info", "--backing-chain", top.toString());
        assertEquals(0, info.exit(), info.err());
        assertTrue(info.out().contains("\nimage: " + base + "\nfile format: raw\n"), info.out());
    }

    @Test
    void aProtocolNameIsRefusedAsMapRefusesIt() {
        Path top = top("nbd.qcow2", "nbd:localhost:10809");
        Cli.Result map = Cli.run("map", top.toString());
        Cli.Result info = Cli.run("info", "--backing-chain", top.toString());
        String refusal = "platter: Could not open backing file: " + top + ": refusing to open backing file "
                + "'nbd:localhost:10809': protocol references are not supported\n";
        assertEquals(refusal, map.err());
        assertEquals(refusal, info.err());
        assertEquals(1, info.exit());
        assertEquals("", info.out());
        assertEquals(Tool.run("qemu-img", "info", "--backing-chain", top.toString()).exitCode(), info.exit());
        // Without --backing-chain the reference is only shown, as qemu-img shows it.
        sameAsQemu("info", top.toString());
    }

    @Test
    void aMissingBackingFileFailsAsInQemu() {
        Path top = top("missing.qcow2", "gone.raw");
        Cli.Result info = Cli.run("info", "--backing-chain", top.toString());
        assertEquals(1, info.exit());
        assertEquals("platter: Could not open backing file: Could not open '" + dir.resolve("gone.raw")
                + "': No such file or directory\n", info.err());
        assertEquals(1, Tool.run("qemu-img", "info", "--backing-chain", top.toString()).exitCode());
    }
}
