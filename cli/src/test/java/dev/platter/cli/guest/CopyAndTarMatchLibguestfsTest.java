package dev.platter.cli.guest;

import dev.platter.testdata.Fixtures;
import dev.platter.testdata.RequiresTool;
import dev.platter.testdata.Tool;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * copy-out and tar-out against virt-copy-out and virt-tar-out on the LVM fixture guest (captured listings: find
 * -printf of the copied tree, tar -tv of the tarball). Documented differences are removed from both sides: holes
 * (allocated size), skipped special files, the escaped non-UTF-8 name, directory sizes of the host filesystem, and
 * the archive order (GNU tar follows the kernel's hash order of ext4 directories; Platter the on-disk order).
 */
@RequiresTool({"tar", "find"})
class CopyAndTarMatchLibguestfsTest {
    @TempDir
    static Path dir;
    static String a;
    static String b;

    @BeforeAll
    static void expand() {
        a = Fixtures.expand("guest-lvm-a.raw", dir).toString();
        b = Fixtures.expand("guest-lvm-b.raw", dir).toString();
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = CopyAndTarMatchLibguestfsTest.class.getResourceAsStream("/libguestfs/" + name)) {
            return in == null ? null : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void copyOutTree() throws IOException {
        String expected = resource("copy-lvm.out");
        assumeTrue(expected != null, "no captured output for copy-lvm");
        Path out = Files.createDirectory(dir.resolve("copy"));
        GuestCli.Result r = GuestCli.run("copy-out", "-a", a, "-a", b, "/srv", "/home/user", "/etc/hostname",
                out.toString());
        assertEquals(0, r.exit(), r.err());
        String mine = Tool.run(out, Map.of("LC_ALL", "C"), "sh", "-c",
                "find . -mindepth 1 -printf '%y %m %U:%G %s %k %T@ %p %l\\n' | LC_ALL=C sort -k7").ok().stdout();
        assertEquals(copyComparable(expected), copyComparable(mine));
    }

    /**
     * Drops the allocated size, directory sizes, special files and the non-UTF-8 name (escaped by Platter); times
     * to whole seconds (tar keeps no nanoseconds); the time of a file copied alone (virt-copy-out downloads it,
     * so it gets the current time; Platter keeps the guest's).
     */
    private static String copyComparable(String listing) {
        return listing.lines()
                .filter(l -> !l.startsWith("c ") && !l.startsWith("b ") && !l.startsWith("p ") && !l.startsWith("s "))
                .filter(l -> !l.contains("/names/caf\uFFFD") && !l.contains("/names/caf\\xE9"))
                .map(l -> {
                    String[] f = l.split(" ", 8);
                    String size = f[0].equals("d") ? "-" : f[3];
                    String time = f[6].equals("./hostname") ? "-" : f[5].substring(0, f[5].indexOf('.'));
                    return f[0] + " " + f[1] + " " + f[2] + " " + size + " " + time + " " + f[6]
                            + (f.length > 7 ? " " + f[7] : "");
                })
                .collect(Collectors.joining("\n"));
    }

    @Test
    void tarOutListing() throws IOException {
        String expected = resource("tar-lvm.out");
        assumeTrue(expected != null, "no captured output for tar-lvm");
        Path tar = dir.resolve("srv.tar");
        GuestCli.Result r = GuestCli.run("tar-out", "-a", a, "-a", b, "/srv", tar.toString());
        assertEquals(0, r.exit(), r.err());
        String mine = Tool.run(null, Map.of("TZ", "UTC", "LC_ALL", "C"), "tar", "--numeric-owner", "-tvf",
                tar.toString()).ok()
                .stdout();
        assertEquals(tarComparable(expected), tarComparable(mine));
    }

    /** Sorted by name; hard links reduced to "a name of the same file" (which name comes first follows order). */
    private static List<String> tarComparable(String listing) {
        return listing.lines()
                .map(l -> l.replaceAll("^h(\\S+) (\\S+) +0 (.*) link to .*$", "-$1 $2 12 $3"))
                .map(l -> l.replaceAll(" +", " "))
                .sorted((x, y) -> x.substring(x.indexOf("./")).compareTo(y.substring(y.indexOf("./"))))
                .toList();
    }
}
