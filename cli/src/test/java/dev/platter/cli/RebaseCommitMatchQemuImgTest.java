package dev.platter.cli;

import dev.platter.testdata.RequiresTool;
import dev.platter.testdata.Tool;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code rebase} and {@code commit} on copies of the same chains as qemu-img: same exit status and messages, the
 * images read the same afterwards, pass qemu-img check, and (rebase) allocate like qemu-img's.
 */
@RequiresTool({"qemu-img", "qemu-io"})
class RebaseCommitMatchQemuImgTest {
    @TempDir
    Path dir;

    private Path ours;
    private Path theirs;

    private static void run(Path cwd, String... cmd) {
        Tool.run(cwd, cmd).ok();
    }

    /** The same chain base <- mid <- top in two folders: ours/ and theirs/. */
    @BeforeEach
    void chains() throws Exception {
        ours = Files.createDirectories(dir.resolve("ours"));
        theirs = Files.createDirectories(dir.resolve("theirs"));
        for (Path d : List.of(ours, theirs)) {
            run(d, "qemu-img", "create", "-q", "-f", "qcow2", "base.qcow2", "4M");
            run(d, "qemu-io", "-f", "qcow2", "-c", "write -P 1 0 1M", "-c", "write -P 2 2M 512k", "base.qcow2");
            run(d, "qemu-img", "create", "-q", "-f", "qcow2", "-b", "base.qcow2", "-F", "qcow2", "mid.qcow2", "6M");
            run(d, "qemu-io", "-f", "qcow2", "-c", "write -P 3 512k 64k", "-c", "write -z 2M 64k",
                    "-c", "write -P 4 5M 100k", "mid.qcow2");
            run(d, "qemu-img", "create", "-q", "-f", "qcow2", "-b", "mid.qcow2", "-F", "qcow2", "top.qcow2");
            run(d, "qemu-io", "-f", "qcow2", "-c", "write -P 5 100k 4k", "-c", "write -P 6 3M 64k", "top.qcow2");
            run(d, "qemu-img", "create", "-q", "-f", "qcow2", "other.qcow2", "6M");
            run(d, "qemu-io", "-f", "qcow2", "-c", "write -P 1 0 512k", "-c", "write -P 9 4M 1M", "other.qcow2");
            run(d, "qemu-img", "convert", "-O", "raw", "top.qcow2", "top.before.raw");
        }
    }

    /** Runs {@code command args} with both tools in their folders; compares exit status and messages. */
    private void both(String command, String... args) {
        List<String> q = new ArrayList<>(List.of("qemu-img", command));
        q.addAll(List.of(args));
        Tool.Result qr = Tool.run(theirs, q.toArray(new String[0]));
        // Names stored in the images stay relative; only the file operated on (the last argument) is given with its
        // folder.
        List<String> p = new ArrayList<>(List.of(command));
        p.addAll(List.of(args).subList(0, args.length - 1));
        p.add(ours.resolve(args[args.length - 1]).toString());
        Cli.Result pr = Cli.run(p.toArray(new String[0]));
        assertEquals(qr.exitCode(), pr.exit(), command + " " + String.join(" ", args) + ": " + pr.err());
        String qErr = qr.stderr().strip().replace("qemu-img: ", "")
                .replaceAll("Could not open '([^']*)': Could not open '\\1': ", "Could not open '$1': ");
        assertEquals(qErr, pr.err().strip().replace("platter: ", "").replace(ours + "/", ""),
                command + " " + String.join(" ", args));
        assertEquals(qr.stdout(), pr.out());
    }

    private void sameContent(String image, String expectRaw) {
        for (Path d : List.of(ours, theirs)) {
            Tool.run(d, "qemu-img", "check", image).ok();
            assertEquals(0, Tool.run(d, "qemu-img", "compare", "-F", "raw", image, expectRaw).exitCode(),
                    d + "/" + image);
        }
    }

    private void sameMap(String image) {
        assertEquals(Tool.run(theirs, "qemu-img", "map", "--output=json", image).ok().stdout(),
                Tool.run(ours, "qemu-img", "map", "--output=json", image).ok().stdout(), image);
    }

    private void sameInfo(String image) {
        assertEquals(Tool.run(theirs, "qemu-img", "info", image).ok().stdout().replaceAll("disk size: .*", ""),
                Tool.run(ours, "qemu-img", "info", image).ok().stdout().replaceAll("disk size: .*", ""));
    }

    @Test
    void rebaseFlattens() {
        both("rebase", "-b", "", "top.qcow2");
        sameContent("top.qcow2", "top.before.raw");
        sameMap("top.qcow2");
        sameInfo("top.qcow2");
    }

    @Test
    void rebaseOntoAnotherImageKeepsTheContent() {
        both("rebase", "-b", "other.qcow2", "-F", "qcow2", "top.qcow2");
        sameContent("top.qcow2", "top.before.raw");
        sameMap("top.qcow2");
        sameInfo("top.qcow2");
    }

    @Test
    void rebaseOntoAChainMemberCopiesOnlyWhatIsAbove() {
        both("rebase", "-b", "base.qcow2", "-F", "qcow2", "top.qcow2");
        sameContent("top.qcow2", "top.before.raw");
        sameMap("top.qcow2");
        sameInfo("top.qcow2");
    }

    @Test
    void unsafeRebaseOnlyRewritesTheReference() {
        both("rebase", "-u", "-b", "nosuch.qcow2", "-F", "qcow2", "top.qcow2");
        sameInfo("top.qcow2");
        both("rebase", "-u", "-b", "other.qcow2", "-F", "qcow2", "top.qcow2");
        sameInfo("top.qcow2");
        sameMap("top.qcow2");
    }

    @Test
    void rebaseErrors() {
        both("rebase", "-b", "other.qcow2", "top.qcow2");
        both("rebase", "-u", "-b", "other.qcow2", "top.qcow2");
        both("rebase", "-b", "nosuch.qcow2", "-F", "qcow2", "top.qcow2");
    }

    @Test
    void commitEmptiesTheImage() {
        both("commit", "top.qcow2");
        sameContent("top.qcow2", "top.before.raw");
        sameContent("mid.qcow2", "top.before.raw");
        for (Path d : List.of(ours, theirs)) {
            String map = Tool.run(d, "qemu-img", "map", "--output=json", "top.qcow2").ok().stdout();
            assertEquals(-1, map.indexOf("\"depth\": 0"), d + ": top still allocates something: " + map);
        }
    }

    @Test
    void commitKeepsTheImageWithD() {
        both("commit", "-d", "top.qcow2");
        sameContent("top.qcow2", "top.before.raw");
        sameContent("mid.qcow2", "top.before.raw");
        sameMap("top.qcow2");
    }

    @Test
    void commitIntoADeeperBase() {
        both("commit", "-b", "base.qcow2", "top.qcow2");
        sameContent("top.qcow2", "top.before.raw");
        // The base now holds everything, grown to the top's size.
        for (Path d : List.of(ours, theirs)) {
            assertEquals(0, Tool.run(d, "qemu-img", "compare", "-F", "raw", "base.qcow2", "top.before.raw")
                    .exitCode(), d.toString());
        }
        // Where the base puts the new clusters is its own business; what the upper images hold is not.
        sameMap("top.qcow2");
    }

    @Test
    void commitErrors() {
        both("commit", "base.qcow2");
        both("commit", "-b", "nosuch.qcow2", "top.qcow2");
    }
}
