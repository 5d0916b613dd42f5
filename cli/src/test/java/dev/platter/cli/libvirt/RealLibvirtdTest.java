package dev.platter.cli.libvirt;

import dev.platter.testdata.BootSector;
import dev.platter.testdata.Libvirtd;
import dev.platter.testdata.Tool;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.UUID;
import java.util.stream.Stream;

import static dev.platter.cli.libvirt.LibvirtCommandsTest.platter;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The boot-level oracle under a real libvirtd with TCG guests: a boot sector that prints a marker on the serial
 * console, converted by Platter and handed to libvirt with the format Platter declares, boots and prints it; the
 * same image declared with the wrong format is refused by the guard hook and, without the hook, does not boot (the
 * oracle can fail). The daemon is started here when it is not running, and stopped after.
 */
class RealLibvirtdTest {
    private static final String HOOK = "/etc/libvirt/hooks/qemu.d/" + InstallHookCommand.NAME;
    private static Libvirtd daemon;
    private static Path dir;
    private static boolean hookInstalled;
    private static boolean hookFolderMade;
    private static boolean testRootMade;

    @BeforeAll
    static void start() throws Exception {
        boolean wasRunning = Libvirtd.running();
        // Images must be reachable by the libvirt-qemu user: not under a 0700 temporary folder.
        testRootMade = !Files.exists(Path.of("/var/lib/platter-test"));
        hookFolderMade = !Files.exists(Path.of(HOOK).getParent());
        dir = Files.createDirectories(Path.of("/var/lib/platter-test", UUID.randomUUID().toString()));
        Files.setPosixFilePermissions(dir.getParent(), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        // The hook folder must exist when the daemon starts for libvirt to run what it holds.
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        if (!Files.exists(Path.of(HOOK))) {
            LibvirtCommandsTest.Result r = platter("libvirt", "install-hook", "--allow", dir.toString(), "--command",
                    InstallHookCommand.shellQuote(ProcessHandle.current().info().command().orElse("java"))
                            + " -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -cp " + InstallHookCommand.shellQuote(cp)
                            + " dev.platter.cli.Main");
            hookInstalled = r.exit() == 0;
        }
        daemon = Libvirtd.start();
        if (wasRunning) {
            System.err.println("note: libvirtd was running already; the hook is used only if it saw qemu.d at start");
        }
    }

    @AfterAll
    static void stop() throws IOException {
        if (hookInstalled) {
            Files.deleteIfExists(Path.of(HOOK));
            if (hookFolderMade) {
                Files.deleteIfExists(Path.of(HOOK).getParent());
            }
        }
        if (daemon != null) {
            daemon.close();
        }
        if (dir != null) {
            try (Stream<Path> s = Files.walk(dir)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
            if (testRootMade) {
                Files.deleteIfExists(dir.getParent());
            }
        }
    }

    private static String virsh(String... args) {
        String[] cmd = new String[args.length + 3];
        cmd[0] = "virsh";
        cmd[1] = "-c";
        cmd[2] = Libvirtd.URI;
        System.arraycopy(args, 0, cmd, 3, args.length);
        Tool.Result r = Tool.run(cmd);
        return r.exitCode() == 0 ? r.stdout() : "error(" + r.exitCode() + "): " + r.stderr();
    }

    private static String domain(String name, String disk, Path serial) {
        return "<domain type='qemu'>\n  <name>" + name + "</name>\n  <memory unit='MiB'>64</memory>\n"
                + "  <vcpu>1</vcpu>\n  <os><type arch='x86_64' machine='pc'>hvm</type><boot dev='hd'/></os>\n"
                + "  <features><acpi/></features>\n  <on_poweroff>destroy</on_poweroff>\n  <devices>\n" + disk
                + "    <serial type='file'><source path='" + serial + "'/></serial>\n  </devices>\n</domain>\n";
    }

    private static String fileDisk(Path image, String format) {
        return "    <disk type='file' device='disk'>\n      <driver name='qemu' type='" + format + "'/>\n"
                + "      <source file='" + image + "'/>\n      <target dev='vda' bus='virtio'/>\n    </disk>\n";
    }

    /** Waits up to {@code seconds} for the marker in the serial log. */
    private static boolean marker(Path serial, double seconds) throws Exception {
        long deadline = System.nanoTime() + (long) (seconds * 1e9);
        while (System.nanoTime() < deadline) {
            if (Files.exists(serial) && Files.readString(serial).contains(BootSector.MARKER)) {
                return true;
            }
            Thread.sleep(50);
        }
        return false;
    }

    /** Creates a transient guest, waits for its marker, destroys it. */
    private static boolean boots(String name, String disk, double seconds) throws Exception {
        Path serial = dir.resolve(name + ".serial.log");
        Path xml = dir.resolve(name + ".xml");
        Files.writeString(xml, domain(name, disk, serial));
        String created = virsh("create", xml.toString());
        assertFalse(created.startsWith("error"), created);
        try {
            return marker(serial, seconds);
        } finally {
            virsh("destroy", name);
        }
    }

    @Test
    void convertDiskOnADefinedDomainThenItBoots() throws Exception {
        Path raw = BootSector.writeRawDisk(dir.resolve("conv.raw"), 16L << 20);
        String name = "platter-conv-" + UUID.randomUUID().toString().substring(0, 8);
        Path serial = dir.resolve(name + ".serial.log");
        Path xml = dir.resolve(name + ".xml");
        Files.writeString(xml, domain(name, fileDisk(raw, "raw"), serial));
        assertFalse(virsh("define", xml.toString()).startsWith("error"));
        try {
            // Running: refused, definition unchanged.
            assertFalse(virsh("start", name).startsWith("error"));
            String before = virsh("dumpxml", "--inactive", name);
            LibvirtCommandsTest.Result running = platter("libvirt", "convert-disk", name, "-O", "qcow2",
                    "--connect", Libvirtd.URI);
            assertEquals(1, running.exit(), running.out());
            assertTrue(running.err().contains("is running"), running.err());
            assertEquals(before, virsh("dumpxml", "--inactive", name));
            // Read-only use of a running guest's disk, sharing QEMU's real locks.
            LibvirtCommandsTest.Result live = platter("filesystems", "--all", "-d", name, "-c", Libvirtd.URI);
            assertEquals(0, live.exit(), live.err());
            assertTrue(live.out().contains("/dev/sda"), live.out());
            virsh("destroy", name);
            Files.deleteIfExists(serial);

            LibvirtCommandsTest.Result r = platter("libvirt", "convert-disk", name, "-O", "qcow2",
                    "--connect", Libvirtd.URI);
            assertEquals(0, r.exit(), r.err());
            String after = virsh("dumpxml", "--inactive", name);
            assertTrue(after.contains("type='qcow2'") && after.contains(dir.resolve("conv.qcow2").toString()), after);
            assertFalse(virsh("start", name).startsWith("error"));
            assertTrue(marker(serial, 10), "the converted guest printed " + BootSector.MARKER);
            virsh("destroy", name);

            // A linked clone of it: a qcow2 overlay recording the converted image as its backing file.
            Files.deleteIfExists(serial);
            LibvirtCommandsTest.Result clone = platter("libvirt", "clone", "-o", name, "-n", name + "-linked",
                    "--linked", "--connect", Libvirtd.URI);
            assertEquals(0, clone.exit(), clone.err());
            assertFalse(virsh("start", name + "-linked").startsWith("error"));
            assertTrue(marker(serial, 10), "the linked clone printed " + BootSector.MARKER);
        } finally {
            virsh("destroy", name + "-linked");
            virsh("undefine", name + "-linked");
            virsh("destroy", name);
            virsh("undefine", name);
        }
    }

    @Test
    void aQcow2ChainFromDiskXmlBoots() throws Exception {
        Path raw = BootSector.writeRawDisk(dir.resolve("chain.raw"), 16L << 20);
        Path base = dir.resolve("chain-base.qcow2");
        assertEquals(0, platter("convert", "-f", "raw", "-O", "qcow2", raw.toString(), base.toString()).exit());
        Path top = dir.resolve("chain-top.qcow2");
        assertEquals(0, platter("create", "-f", "qcow2", "-b", base.toString(), "-F", "qcow2", top.toString())
                .exit());
        LibvirtCommandsTest.Result disk = platter("libvirt", "disk-xml", top.toString(), "-f", "qcow2", "--target",
                "vda");
        assertEquals(0, disk.exit(), disk.err());
        assertTrue(disk.out().contains("chain-base.qcow2"), disk.out());
        assertTrue(boots("platter-chain-" + UUID.randomUUID().toString().substring(0, 8), disk.out(), 10));
    }

    /** VMDK out of Platter, as handed to VMware, boots under libvirt too: monolithicSparse and streamOptimized. */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"monolithicSparse", "streamOptimized"})
    void aVmdkFromPlatterBoots(String subformat) throws Exception {
        Path raw = BootSector.writeRawDisk(dir.resolve("vm-" + subformat + ".raw"), 16L << 20);
        Path vmdk = dir.resolve("vm-" + subformat + ".vmdk");
        assertEquals(0, platter("convert", "-f", "raw", "-O", "vmdk", "-o", "subformat=" + subformat, raw.toString(),
                vmdk.toString()).exit());
        LibvirtCommandsTest.Result disk = platter("libvirt", "disk-xml", vmdk.toString(), "-f", "vmdk", "--target",
                "vda");
        assertEquals(0, disk.exit(), disk.err());
        assertTrue(disk.out().contains("type=\"vmdk\""), disk.out());
        assertTrue(boots("platter-vmdk-" + UUID.randomUUID().toString().substring(0, 8), disk.out(), 10),
                subformat + " printed " + BootSector.MARKER);
    }

    @Test
    void theWrongDeclaredFormatIsRefusedByTheHookAndWithoutItDoesNotBoot() throws Exception {
        Path raw = BootSector.writeRawDisk(dir.resolve("wrong.raw"), 16L << 20);
        Path qcow2 = dir.resolve("wrong.qcow2");
        assertEquals(0, platter("convert", "-f", "raw", "-O", "qcow2", raw.toString(), qcow2.toString()).exit());
        assertTrue(boots("platter-right-" + UUID.randomUUID().toString().substring(0, 8), fileDisk(qcow2, "qcow2"),
                10), "declared qcow2, it boots");

        String name = "platter-wrong-" + UUID.randomUUID().toString().substring(0, 8);
        Path xml = dir.resolve(name + ".xml");
        Files.writeString(xml, domain(name, fileDisk(qcow2, "raw"), dir.resolve(name + ".log")));
        String refused = virsh("create", xml.toString());
        virsh("destroy", name);
        assertTrue(refused.contains("Hook script execution failed") && refused.contains("declared raw but the"
                + " content is qcow2"), refused);

        // A chain leaving the allowed folder (the test's image folder): an overlay inside, its base outside.
        Path outside = Files.createDirectories(dir.resolveSibling(dir.getFileName() + "-outside"));
        try {
            Path base = outside.resolve("base.raw");
            Files.copy(raw, base);
            Path overlay = dir.resolve("escape.qcow2");
            assertEquals(0, platter("create", "-f", "qcow2", "-b", base.toString(), "-F", "raw",
                    overlay.toString()).exit());
            String escape = "platter-escape-" + UUID.randomUUID().toString().substring(0, 8);
            Path escapeXml = dir.resolve(escape + ".xml");
            Files.writeString(escapeXml, domain(escape, fileDisk(overlay, "qcow2"), dir.resolve(escape + ".log")));
            String chainRefused = virsh("create", escapeXml.toString());
            virsh("destroy", escape);
            assertTrue(chainRefused.contains("Hook script execution failed")
                    && chainRefused.contains("leaves the allowed folders"), chainRefused);
        } finally {
            try (Stream<Path> s = Files.walk(outside)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }

        // The oracle is honest: without the hook the same guest starts and never prints the marker.
        Path hook = Path.of(HOOK);
        Path aside = dir.resolve("hook.aside");
        Files.move(hook, aside);
        try {
            assertFalse(boots("platter-nohook-" + UUID.randomUUID().toString().substring(0, 8),
                    fileDisk(qcow2, "raw"), 5), "a qcow2 declared raw must not boot");
        } finally {
            Files.move(aside, hook);
        }
        assertNotEquals(0, Files.size(qcow2));
    }
}
