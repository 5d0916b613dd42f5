package dev.platter.cli.libvirt;

import dev.platter.cli.Main;
import dev.platter.cli.output.Stdout;
import dev.platter.core.image.CreateOptions;
import dev.platter.core.image.Images;
import dev.platter.testdata.BootSector;
import dev.platter.testdata.Fixtures;
import dev.platter.testdata.RequiresTool;
import dev.platter.testdata.Tool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code platter libvirt ...} and {@code -d/-c} on guest commands, against libvirt's test driver (no daemon). */
@RequiresTool({"virsh", "virt-xml-validate", "xmllint"})
class LibvirtCommandsTest {
    @TempDir
    Path dir;

    record Result(int exit, String out, String err) {
    }

    /** Runs platter in-process; stdout holds the text output and the guest bytes (ls, cat) after it. */
    static Result platter(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Stdout.capture(bytes);
        int code;
        try (PrintWriter text = new PrintWriter(out)) {
            code = Main.run(args, text, new PrintWriter(err));
        } finally {
            Stdout.capture(null);
        }
        return new Result(code, out + bytes.toString(StandardCharsets.UTF_8), err.toString());
    }

    @AfterEach
    void resetStdin() {
        HookCommand.stdin = System.in;
    }

    /** A node file with domain vm1, shut off or running, whose vda is {@code disk} declared {@code format}. */
    private String testUri(Path disk, String format, boolean running) throws IOException {
        Path node = dir.resolve("node.xml");
        Files.writeString(node, """
                <node>
                <domain type='test' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>
                  <name>vm1</name>
                  <memory unit='MiB'>64</memory>
                  <os><type arch='x86_64'>hvm</type></os>
                  <devices>
                    <disk type='file' device='disk'>
                      <driver name='qemu' type='%s'/>
                      <source file='%s'/>
                      <target dev='vda' bus='virtio'/>
                    </disk>
                  </devices>
                  <test:runstate>%d</test:runstate>
                </domain>
                </node>
                """.formatted(format, disk, running ? 1 : 5));
        return "test://" + node;
    }

    private String domainXml(String disk) {
        return "<domain type='qemu'><name>g</name><memory unit='MiB'>64</memory><os><type arch='x86_64'"
                + " machine='pc'>hvm</type></os><devices>" + disk + "</devices></domain>\n";
    }

    @Test
    void diskXmlValidatesAgainstLibvirtsSchema() throws IOException {
        Path base = dir.resolve("base.raw");
        Images.format("raw").create(base, 1 << 20, CreateOptions.none());
        Path top = dir.resolve("top.qcow2");
        Images.format("qcow2").create(top, 1 << 20,
                CreateOptions.of(Map.of("backing_file", "base.raw", "backing_fmt", "raw")));
        Result r = platter("libvirt", "disk-xml", top.toString(), "--target", "vdc", "--bus", "scsi");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("<format type=\"raw\"/>"), r.out());
        Path f = dir.resolve("d.xml");
        Files.writeString(f, domainXml(r.out()));
        Tool.run("virt-xml-validate", f.toString()).ok();
        Result v = platter("libvirt", "volume-xml", top.toString());
        assertEquals(0, v.exit(), v.err());
        Files.writeString(f, v.out());
        Tool.run("virt-xml-validate", f.toString()).ok();
    }

    @Test
    void convertDiskSwapsAndRefusesARunningDomain() throws IOException {
        Path raw = BootSector.writeRawDisk(dir.resolve("vm1.raw"), 2 << 20);
        Result running = platter("libvirt", "convert-disk", "vm1", "-O", "qcow2", "--connect",
                testUri(raw, "raw", true));
        assertEquals(1, running.exit(), running.out());
        assertTrue(running.err().contains("is running: shut it down first"), running.err());
        Result r = platter("libvirt", "convert-disk", "vm1", "-O", "qcow2", "-c", "-o", "cluster_size=4k",
                "--connect", testUri(raw, "raw", false));
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains(raw + " (raw) -> " + dir.resolve("vm1.qcow2") + " (qcow2)"), r.out());
    }

    @Test
    void guestCommandsReadADomainsDisksAsTheyReadTheSameImages() throws IOException {
        Path disk = Fixtures.expand("guest-mbr.raw", dir);
        String uri = testUri(disk, "raw", false);
        for (String[] cmd : new String[][] {{"filesystems", "-l"}, {"df"}, {"inspector"},
                {"ls", "-m", "/dev/sda1", "-l", "/"},
                {"cat", "-m", "/dev/sda1", "/etc/issue"}, {"tar-out", "-m", "/dev/sda1", "/etc", "-"}}) {
            String[] byImage = concat(new String[] {cmd[0], "-a", disk.toString(), "--format", "raw"}, cmd);
            String[] byDomain = concat(new String[] {cmd[0], "-d", "vm1", "-c", uri}, cmd);
            Result a = platter(byImage);
            Result d = platter(byDomain);
            assertEquals(0, a.exit(), a.err());
            assertTrue(!a.out().isBlank(), String.join(" ", byImage));
            // virt-df names the guest by its domain with -d, by its first image with -a (columns padded to fit).
            assertEquals(a.out().replace("guest-mbr.raw:", "vm1:").replaceAll(" +", " "),
                    d.out().replaceAll(" +", " "), String.join(" ", byDomain));
        }
        // A running domain's disks are read too, sharing QEMU's locks.
        Result live = platter("filesystems", "-d", "vm1", "-c", testUri(disk, "raw", true));
        assertEquals(0, live.exit(), live.err());
        Result both = platter("filesystems", "-d", "vm1", "-a", disk.toString());
        assertEquals(1, both.exit());
        assertTrue(both.err().contains("-a and -d cannot be used together"), both.err());
    }

    private static String[] concat(String[] head, String[] cmd) {
        String[] all = new String[head.length + cmd.length - 1];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(cmd, 1, all, head.length, cmd.length - 1);
        return all;
    }

    private Result hook(String xml, String operation, String... allow) {
        HookCommand.stdin = new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8));
        String[] args = new String[4 + 2 * allow.length + 4];
        int i = 0;
        args[i++] = "libvirt";
        args[i++] = "hook";
        for (String a : allow) {
            args[i++] = "--allow";
            args[i++] = a;
        }
        args[i++] = "qemu";
        args[i++] = "g";
        args[i++] = operation;
        args[i++] = "begin";
        args[i++] = "-";
        return platter(java.util.Arrays.copyOf(args, i));
    }

    private static String disk(Path file, String format) {
        return "<disk type='file' device='disk'><driver name='qemu' type='" + format + "'/><source file='" + file
                + "'/><target dev='vda' bus='virtio'/></disk>";
    }

    @Test
    void theHookRefusesAWrongDeclaredFormatAndAChainOutsideTheAllowedFolders() throws IOException {
        Path raw = BootSector.writeRawDisk(dir.resolve("boot.raw"), 1 << 20);
        Path images = Files.createDirectories(dir.resolve("images"));
        Path qcow2 = images.resolve("boot.qcow2");
        Images.format("qcow2").create(qcow2, 1 << 20, CreateOptions.none());
        assertEquals(0, hook(domainXml(disk(qcow2, "qcow2")), "prepare", images.toString()).exit());

        Result wrong = hook(domainXml(disk(qcow2, "raw")), "prepare", images.toString());
        assertEquals(1, wrong.exit());
        assertTrue(wrong.err().contains("declared raw but the content is qcow2"), wrong.err());
        Result probingAttack = hook(domainXml(disk(raw, "qcow2")), "prepare");
        assertEquals(1, probingAttack.exit());
        assertTrue(probingAttack.err().contains("declared qcow2 but the content is raw"), probingAttack.err());

        // An overlay inside the allowed folder whose backing file lies outside it.
        Path overlay = images.resolve("over.qcow2");
        Images.format("qcow2").create(overlay, 1 << 20,
                CreateOptions.of(Map.of("backing_file", raw.toString(), "backing_fmt", "raw")));
        Result escape = hook(domainXml(disk(overlay, "qcow2")), "prepare", images.toString());
        assertEquals(1, escape.exit());
        assertTrue(escape.err().contains("leaves the allowed folders"), escape.err());
        Result outside = hook(domainXml(disk(raw, "raw")), "prepare", images.toString());
        assertEquals(1, outside.exit());
        assertTrue(outside.err().contains("outside the allowed folders"), outside.err());

        // Only prepare decides; a missing file is left to libvirt's own, clearer error.
        assertEquals(0, hook(domainXml(disk(qcow2, "raw")), "started").exit());
        assertEquals(0, hook(domainXml(disk(dir.resolve("missing.raw"), "raw")), "prepare").exit());
    }

    @Test
    @RequiresTool({"qemu-img", "qemu-io"})
    void theHookRefusesAnImageThatCheckReportsCorrupt() throws IOException {
        Path img = dir.resolve("bad.qcow2");
        Tool.run("qemu-img", "create", "-q", "-f", "qcow2", "-o", "lazy_refcounts=off", img.toString(), "64M").ok();
        Tool.run("qemu-io", "-c", "write -P 1 0 64k", "-c", "write -P 2 1M 64k", "-c", "write -P 3 2M 64k",
                img.toString()).ok();
        assertEquals(0, hook(domainXml(disk(img, "qcow2")), "prepare").exit(), "clean before the damage");
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            // A fresh 64 MiB image keeps its refcount block at 0x20000: data cluster 6 (guest 2M) now counts 0.
            f.seek(0x20000 + 6 * 2);
            f.writeShort(0);
        }
        assertEquals(2, Tool.run("qemu-img", "check", img.toString()).exitCode(), "qemu-img sees the corruption");
        Result r = hook(domainXml(disk(img, "qcow2")), "prepare");
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("bad.qcow2: check found ") && r.err().contains(" corruptions"), r.err());
    }

    @Test
    void installHookWritesAnExecutableScriptThatOnlyActsAtPrepare() throws IOException {
        Result r = platter("libvirt", "install-hook", "--hooks-dir", dir.toString(), "--allow", "/srv/vm images",
                "--command", "/opt/platter/platter");
        assertEquals(0, r.exit(), r.err());
        Path hook = dir.resolve("qemu.d/50-platter");
        assertTrue(Files.isExecutable(hook));
        String script = Files.readString(hook);
        assertTrue(script.contains("prepare) exec /opt/platter/platter libvirt hook --allow '/srv/vm images' -- qemu"
                + " \"$@\""), script);
        Tool.Result other = Tool.run("sh", "-c", "echo '<domain/>' | " + hook + " g release end -");
        assertEquals(0, other.exitCode(), other.stderr());
    }
}
