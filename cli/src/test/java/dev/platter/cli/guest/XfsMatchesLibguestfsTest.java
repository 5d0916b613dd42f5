package dev.platter.cli.guest;

import dev.platter.testdata.Fixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TimeZone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The guest commands on XFS against what libguestfs 1.48 printed for the same calls (cli/src/test/resources/
 * libguestfs/xfs-*.out, or .out.gz when large, and .status, captured by
 * testdata/scripts/capture-xfs-libguestfs-expected.sh with TZ=UTC): byte-identical stdout, the same exit status. The disks: a CentOS 7-like disk with XFS on /boot and on an LVM root
 * (disk-centos7-xfs.raw), and the kernel-made XFS fixtures (xfs-kernel-v5.img, xfs-kernel-v4.img: hard links,
 * sockets, devices, long symlinks, sparse and fragmented files, 1901 and 2200 timestamps, a directory after
 * deletions).
 */
class XfsMatchesLibguestfsTest {
    private static final List<String> DISKS = List.of("disk-centos7-xfs.raw", "xfs-kernel-v5.img", "xfs-kernel-v4.img");
    @TempDir
    static Path dir;
    private static TimeZone saved;

    @BeforeAll
    static void expand() {
        DISKS.forEach(d -> Fixtures.expand(d, dir));
        saved = TimeZone.getDefault();
        TimeZone.setDefault(TimeZone.getTimeZone("UTC"));
    }

    @AfterAll
    static void restore() {
        TimeZone.setDefault(saved);
    }

    /** Case name and the command line, as in capture-xfs-libguestfs-expected.sh (DISK: the CentOS disk). */
    private static final String[][] CASES = {
        {"xfs-centos-fs", "filesystems -a DISK --all --long --uuid"},
        {"xfs-centos-fs-h-csv", "filesystems -a DISK --all --long -h --csv"},
        {"xfs-centos-df", "df -a DISK"},
        {"xfs-centos-df-i", "df -a DISK -i"},
        {"xfs-centos-df-h", "df -a DISK -h"},
        {"xfs-centos-ls-lR", "ls -a DISK -lR --uids --time-t --extra-stats --checksum=md5 /"},
        {"xfs-centos-ls-boot", "ls -a DISK -l /boot /etc"},
        {"xfs-centos-cat", "cat -a DISK /etc/fstab /etc/redhat-release /boot/grub2/grub.cfg"},
        {"xfs-centos-inspector", "inspector -a DISK --no-applications"},
        {"xfs-kernel-v5-ls-lR", "ls -a xfs-kernel-v5.img -m /dev/sda -lR --uids --time-t --extra-stats /"},
        {"xfs-kernel-v5-ls-l", "ls -a xfs-kernel-v5.img -m /dev/sda -l /k /k/sub"},
        {"xfs-kernel-v5-ls-crc", "ls -a xfs-kernel-v5.img -m /dev/sda -lR --checksum=crc /k/sub /k/del"},
        {"xfs-kernel-v5-cat", "cat -a xfs-kernel-v5.img -m /dev/sda /k/hl_b /k/sym_short /k/tailhole /k/unwritten"},
        {"xfs-kernel-v5-df", "df -a xfs-kernel-v5.img"},
        {"xfs-kernel-v4-ls-lR", "ls -a xfs-kernel-v4.img -m /dev/sda -lR --uids --time-t --extra-stats /k"},
        {"xfs-kernel-v4-df-i", "df -a xfs-kernel-v4.img -i"},
    };

    @TestFactory
    List<DynamicTest> sameOutputAsLibguestfs() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String[] c : CASES) {
            tests.add(DynamicTest.dynamicTest(c[0], () -> {
                String expectedOut = resource(c[0] + ".out");
                String status = resource(c[0] + ".status");
                assertTrue(expectedOut != null && status != null, "no captured output for " + c[0]);
                int expectedExit = Integer.parseInt(status.lines().findFirst().orElse("0").trim());
                String[] args = c[1].replace("DISK", DISKS.get(0)).split(" ");
                for (int i = 0; i < args.length; i++) {
                    if (DISKS.contains(args[i])) {
                        args[i] = dir.resolve(args[i]).toString();
                    }
                }
                GuestCli.Result r = GuestCli.run(args);
                assertEquals(expectedOut, r.out(), c[0] + "\nstderr: " + r.err());
                assertEquals(expectedExit == 0, r.exit() == 0, c[0] + " exit status; stderr: " + r.err());
            }));
        }
        return tests;
    }

    /** A captured output; large ones are stored gzipped ({@code NAME.gz}, see the capture script). */
    private static String resource(String name) throws IOException {
        try (InputStream in = XfsMatchesLibguestfsTest.class.getResourceAsStream("/libguestfs/" + name)) {
            if (in != null) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        }
        try (InputStream in = XfsMatchesLibguestfsTest.class.getResourceAsStream("/libguestfs/" + name + ".gz")) {
            return in == null ? null
                    : new String(new java.util.zip.GZIPInputStream(in).readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
