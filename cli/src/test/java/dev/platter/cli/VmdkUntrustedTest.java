package dev.platter.cli;

import dev.platter.testdata.RequiresTool;
import dev.platter.testdata.Tool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * VMDKs from an untrusted source: a descriptor naming an extent file is CVE-2024-32498's attack (an extent naming
 * /etc/shadow, read back as disk data by a converter). {@code --untrusted} refuses every VMDK that names another
 * file (extent or parent) when it is opened, and {@code check --safety} reports every non-monolithic VMDK and each
 * file it names, without opening any of them.
 */
@RequiresTool("qemu-img")
class VmdkUntrustedTest {
    @TempDir
    Path dir;

    private Path descriptor(String name, String extentLines) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, "# Disk DescriptorFile\nversion=1\nCID=fffffffe\nparentCID=ffffffff\n"
                + "createType=\"monolithicFlat\"\n\n# Extent description\n" + extentLines + "\n");
        return p;
    }

    @Test
    void anExtentNamingAHostFileIsRefusedWhenOpenedUntrusted() throws Exception {
        Path evil = descriptor("evil.vmdk", "RW 8 FLAT \"/etc/shadow\" 0");
        for (String cmd : new String[] {"info", "map", "check"}) {
            Cli.Result r = Cli.run(cmd, "--untrusted", evil.toString());
            assertEquals(1, r.exit(), cmd);
            assertEquals("platter: " + evil + ": refusing to open extent '/etc/shadow': untrusted images may not "
                    + "refer to other files\n", r.err(), cmd);
            assertEquals("", r.out());
        }
        Cli.Result c = Cli.run("convert", "--untrusted", "-O", "raw", evil.toString(), dir.resolve("o.raw").toString());
        assertEquals(1, c.exit());
        assertTrue(Files.notExists(dir.resolve("o.raw")));
    }

    @Test
    void aDeltaDiskIsRefusedUntrustedAndAMonolithicOneIsRead() throws Exception {
        Path base = dir.resolve("base.vmdk");
        Tool.run("qemu-img", "create", "-q", "-f", "vmdk", base.toString(), "1M").ok();
        Path delta = dir.resolve("delta.vmdk");
        Tool.run("qemu-img", "create", "-q", "-f", "vmdk", "-b", "base.vmdk", "-F", "vmdk", delta.toString()).ok();
        Cli.Result r = Cli.run("info", "--untrusted", delta.toString());
        assertEquals(1, r.exit());
        assertEquals("platter: " + delta + ": refusing to open backing file 'base.vmdk': untrusted images may not "
                + "refer to other files\n", r.err());
        Cli.Result ok = Cli.run("info", "--untrusted", base.toString());
        assertEquals(0, ok.exit(), ok.err());
        Path stream = dir.resolve("s.vmdk");
        Tool.run("qemu-img", "create", "-q", "-f", "vmdk", "-o", "subformat=streamOptimized", stream.toString(), "1M")
                .ok();
        assertEquals(0, Cli.run("map", "--untrusted", stream.toString()).exit());
        Cli.Result safe = Cli.run("check", "--safety", base.toString());
        assertEquals(0, safe.exit());
        assertEquals(base + " (vmdk): safe\n", safe.out());
        Cli.Result unsafe = Cli.run("check", "--safety", delta.toString());
        assertEquals(1, unsafe.exit());
        assertEquals(delta + " (vmdk): unsafe\n  reference: parent 'base.vmdk' (a path relative to the image's "
                + "folder), format vmdk\n", unsafe.out());
    }

    /** A flat extent's raw bytes under a .vmdk name: untrusted, the name and the content must agree (pin -f raw). */
    @Test
    void aFlatExtentNamedVmdkProbesAsRawAndIsRefused() throws Exception {
        Path flat = dir.resolve("x-flat.vmdk");
        Files.write(flat, new byte[4096]);
        Cli.Result r = Cli.run("info", "--untrusted", flat.toString());
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("the name ends in '.vmdk' but the content probes as raw (refused for untrusted "
                + "images; pin the format if it is known)"), r.err());
        assertEquals(0, Cli.run("info", "--untrusted", "-f", "raw", flat.toString()).exit());
    }

    /** Every extent file is named, also those qemu skips (RDONLY, NOACCESS) but VMware reads; nothing is opened. */
    @Test
    void safetyNamesEveryExtentOfANonMonolithicDisk() throws Exception {
        Path d = descriptor("d.vmdk", "RW 8 FLAT \"../../other-tenant.raw\" 0\nRDONLY 8 SPARSE \"/etc/shadow\"\n"
                + "RW 8 ZERO\nNOACCESS 8 VMFS \"x-flat.vmdk\"");
        Cli.Result r = Cli.run("check", "--safety", "--output=json", d.toString());
        assertEquals(1, r.exit());
        String out = r.out();
        assertTrue(out.contains("\"message\": \"createType 'monolithicFlat': a descriptor whose disk lies in the files "
                + "it names (only a monolithicSparse or streamOptimized file holds the whole disk)\""), out);
        assertTrue(out.contains("\"kind\": \"extent\",\n            \"reference\": \"../../other-tenant.raw\""), out);
        assertTrue(out.contains("extent '../../other-tenant.raw' (a relative path leaving the image's folder), FLAT, "
                + "RW"), out);
        assertTrue(out.contains("extent '/etc/shadow' (an absolute path), SPARSE, RDONLY (skipped by qemu, read by "
                + "VMware)"), out);
        assertTrue(out.contains("extent 'x-flat.vmdk' (a path relative to the image's folder), VMFS, NOACCESS"), out);
    }
}
