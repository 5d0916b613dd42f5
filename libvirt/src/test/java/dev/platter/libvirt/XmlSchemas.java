package dev.platter.libvirt;

import dev.platter.testdata.Tool;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Validation against libvirt's own RELAX NG schemas, as installed by libvirt0 (virt-xml-validate, xmllint). */
final class XmlSchemas {
    private XmlSchemas() {
    }

    /** A whole document (domain, volume ...): virt-xml-validate picks the schema from the root element. */
    static void assertValidDocument(Path dir, String name, String xml) throws IOException {
        Path f = dir.resolve(name);
        Files.writeString(f, xml);
        Tool.Result r = Tool.run("virt-xml-validate", f.toString());
        assertEquals(0, r.exitCode(), "virt-xml-validate refused:\n" + xml + "\n" + r.stdout() + r.stderr());
    }

    /** A bare {@code <disk>}: no schema of its own, so a grammar that starts at libvirt's disk definition. */
    static Tool.Result validateDisk(Path dir, String name, String xml) throws IOException {
        Path grammar = dir.resolve("disk-fragment.rng");
        Files.writeString(grammar, """
                <grammar xmlns="http://relaxng.org/ns/structure/1.0"
                         datatypeLibrary="http://www.w3.org/2001/XMLSchema-datatypes">
                  <start><ref name="disk"/></start>
                  <include href="/usr/share/libvirt/schemas/domainoverrides.rng"/>
                </grammar>
                """);
        Path f = dir.resolve(name);
        Files.writeString(f, xml);
        return Tool.run("xmllint", "--noout", "--relaxng", grammar.toString(), f.toString());
    }

    static void assertValidDisk(Path dir, String name, String xml) throws IOException {
        Tool.Result r = validateDisk(dir, name, xml);
        assertEquals(0, r.exitCode(), "the disk schema refused:\n" + xml + "\n" + r.stdout() + r.stderr());
    }

    /** A minimal TCG domain around {@code disks} (already written elements). */
    static String domain(String name, String uuid, String disks) {
        return "<domain type='qemu'>\n  <name>" + name + "</name>\n"
                + (uuid == null ? "" : "  <uuid>" + uuid + "</uuid>\n")
                + "  <memory unit='MiB'>64</memory>\n  <vcpu>1</vcpu>\n"
                + "  <os><type arch='x86_64' machine='pc'>hvm</type><boot dev='hd'/></os>\n"
                + "  <devices>\n" + disks + "  </devices>\n</domain>\n";
    }
}
