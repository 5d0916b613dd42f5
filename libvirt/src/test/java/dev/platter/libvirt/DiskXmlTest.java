package dev.platter.libvirt;

import dev.platter.core.image.CreateOptions;
import dev.platter.core.image.Image;
import dev.platter.core.image.Images;
import dev.platter.core.image.OpenOptions;
import dev.platter.testdata.RequiresTool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Disk and volume XML from images: explicit formats, the whole chain, valid for libvirt's schemas, parsed back. */
@RequiresTool({"virt-xml-validate", "xmllint"})
class DiskXmlTest {
    @TempDir
    Path dir;

    /** raw base <- qcow2 middle <- qcow2 top, each overlay recording its backing format. */
    private Path chain() throws IOException {
        Path base = dir.resolve("base.raw");
        Images.format("raw").create(base, 1 << 20, CreateOptions.none());
        Path mid = dir.resolve("mid.qcow2");
        Images.format("qcow2").create(mid, 1 << 20,
                CreateOptions.of(Map.of("backing_file", base.toString(), "backing_fmt", "raw")));
        Path top = dir.resolve("top.qcow2");
        Images.format("qcow2").create(top, 1 << 20,
                CreateOptions.of(Map.of("backing_file", "mid.qcow2", "backing_fmt", "qcow2")));
        return top;
    }

    @Test
    void aChainIsWrittenWithEveryFormatAndTerminated() throws IOException {
        Path top = chain();
        try (Image image = Images.open(top, OpenOptions.readOnlyDefaults().withFormat("qcow2"))) {
            DomainDisk disk = DiskXml.fromImage(image, "vdb", "virtio", false);
            assertEquals("qcow2", disk.format());
            assertEquals(List.of(new BackingLayer("qcow2", DiskSource.file(dir.resolve("mid.qcow2").toString())),
                    new BackingLayer("raw", DiskSource.file(dir.resolve("base.raw").toString()))), disk.chain());
            String xml = DiskXml.write(disk);
            assertTrue(xml.contains("<driver name=\"qemu\" type=\"qcow2\"/>"), xml);
            assertTrue(xml.contains("<backingStore/>"), xml);
            XmlSchemas.assertValidDisk(dir, "disk.xml", xml);
            XmlSchemas.assertValidDocument(dir, "domain.xml", XmlSchemas.domain("d", null, xml));
            assertEquals(disk, DiskXml.parse(SafeXml.parse(xml).getDocumentElement()));
        }
    }

    @Test
    void readOnlyRawDiskValidates() throws IOException {
        Path raw = dir.resolve("data.raw");
        Images.format("raw").create(raw, 1 << 20, CreateOptions.none());
        try (Image image = Images.open(raw, OpenOptions.readOnlyDefaults().withFormat("raw"))) {
            DomainDisk disk = DiskXml.fromImage(image, "sdb", "scsi", true);
            String xml = DiskXml.write(disk);
            assertTrue(xml.contains("<readonly/>"), xml);
            XmlSchemas.assertValidDisk(dir, "ro.xml", xml);
            assertEquals(disk, DiskXml.parse(SafeXml.parse(xml).getDocumentElement()));
        }
    }

    @Test
    void theSchemaOracleCanFail() throws IOException {
        // A format libvirt does not know and a missing target: the check the tests rely on says no.
        String bad = "<disk type='file' device='disk'><driver name='qemu' type='qcow3'/>"
                + "<source file='/x'/><target dev='vda'/></disk>";
        assertNotEquals(0, XmlSchemas.validateDisk(dir, "bad.xml", bad).exitCode());
        String noTarget = "<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='/x'/></disk>";
        assertNotEquals(0, XmlSchemas.validateDisk(dir, "nt.xml", noTarget).exitCode());
    }

    @Test
    void volumeXmlOfAnOverlayValidates() throws IOException {
        Path top = chain();
        try (Image image = Images.open(top, OpenOptions.readOnlyDefaults().withFormat("qcow2"))) {
            String xml = VolumeXml.write(image);
            assertTrue(xml.contains("<format type=\"qcow2\"/>"), xml);
            assertTrue(xml.contains("<path>" + dir.resolve("mid.qcow2") + "</path>"), xml);
            assertTrue(xml.contains("<capacity unit=\"bytes\">1048576</capacity>"), xml);
            XmlSchemas.assertValidDocument(dir, "volume.xml", xml);
        }
    }

    @Test
    void theFormatsLibvirtCannotDeclareAreKnown() {
        // vhdx has no <driver type> value (VHD is vpc): fromImage refuses it with what to do instead.
        assertTrue(DiskXml.LIBVIRT_FORMATS.contains("vpc"));
        assertTrue(!DiskXml.LIBVIRT_FORMATS.contains("vhdx"));
    }
}
