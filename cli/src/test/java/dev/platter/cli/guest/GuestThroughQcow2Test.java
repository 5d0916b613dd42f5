package dev.platter.cli.guest;

import dev.platter.testdata.Fixtures;
import dev.platter.testdata.RequiresTool;
import dev.platter.testdata.Tool;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The guest commands read the same guest through qcow2 (converted by qemu-img, one disk with a backing file) as
 * through raw: identical output, whether the format is probed or pinned per disk with --format.
 */
@RequiresTool("qemu-img")
class GuestThroughQcow2Test {
    @TempDir
    static Path dir;
    static String a;
    static String b;
    static String qa;
    static String qb;

    @BeforeAll
    static void convert() {
        a = Fixtures.expand("guest-lvm-a.raw", dir).toString();
        b = Fixtures.expand("guest-lvm-b.raw", dir).toString();
        qa = dir.resolve("guest-lvm-a.qcow2").toString();
        qb = dir.resolve("guest-lvm-b.qcow2").toString();
        String base = dir.resolve("guest-lvm-b-base.qcow2").toString();
        Tool.run("qemu-img", "convert", "-O", "qcow2", a, qa).ok();
        // Disk B as an overlay on a base: reads go through the backing chain.
        Tool.run("qemu-img", "convert", "-O", "qcow2", b, base).ok();
        Tool.run("qemu-img", "create", "-q", "-f", "qcow2", "-b", base, "-F", "qcow2", qb).ok();
    }

    private static void same(String... command) {
        String[] raw = command.clone();
        String[] qcow = command.clone();
        for (int i = 0; i < command.length; i++) {
            raw[i] = command[i].replace("A", a).replace("B", b);
            qcow[i] = command[i].replace("A", qa).replace("B", qb);
        }
        GuestCli.Result r = GuestCli.run(raw);
        GuestCli.Result q = GuestCli.run(qcow);
        assertEquals(0, r.exit(), r.err());
        assertEquals(0, q.exit(), q.err());
        assertArrayEquals(r.stdout(), q.stdout(), String.join(" ", command));
    }

    @Test
    void sameListingsContentsAndInspection() {
        same("filesystems", "-a", "A", "-a", "B", "--all", "--long", "--uuid");
        same("ls", "-a", "A", "-a", "B", "-lR", "--checksum=sha1", "--extra-stats", "/");
        same("cat", "-a", "A", "-a", "B", "/srv/sparse.bin", "/etc/fstab");
        same("inspector", "-a", "A", "-a", "B");
    }

    @Test
    void dfNamesTheFirstImage() {
        GuestCli.Result q = GuestCli.run("df", "-a", qa, "-a", qb);
        assertEquals(0, q.exit(), q.err());
        assertTrue(q.out().contains("guest-lvm-a.qcow2+:/dev/vg-data/root"), q.out());
    }

    @Test
    void formatPinnedPerDisk() {
        GuestCli.Result ok = GuestCli.run("filesystems", "--format=qcow2", "-a", qa, "--format", "-a", b);
        assertEquals(0, ok.exit(), ok.err());
        assertTrue(ok.out().contains("/dev/vg-data/root"), ok.out());
        GuestCli.Result wrong = GuestCli.run("filesystems", "--format=raw", "-a", qa, "-a", qb);
        assertEquals(0, wrong.exit(), wrong.err());
        assertTrue(!wrong.out().contains("/dev/vg-data/root"), "qcow2 read as raw has no LVM: " + wrong.out());
    }
}
