package dev.platter.libvirt;

import dev.platter.core.ProgressListener;
import dev.platter.core.image.Image;
import dev.platter.core.image.Images;
import dev.platter.core.image.OpenOptions;
import dev.platter.operation.Compare;
import dev.platter.operation.CompareOptions;
import dev.platter.testdata.BootSector;
import dev.platter.testdata.RequiresTool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** clone on libvirt's test driver: new identity, new images, full or linked; refusals leave nothing behind. */
@RequiresTool("virsh")
class CloneDomainTest {
    @TempDir
    Path dir;

    @Test
    void aFullCloneHasNewIdentityAndACopyOfTheDisk() throws IOException {
        Path raw = BootSector.writeRawDisk(dir.resolve("vm1.raw"), 4 << 20);
        try (VirshSession s = VirshSession.open(TestDriver.uri(dir, raw, "raw", false))) {
            List<Path> made = new CloneDomain(s, new CloneOptions("vm1", "vm2", List.of(), false))
                    .run(ProgressListener.NONE);
            assertEquals(List.of(dir.resolve("vm2.raw")), made);
            DomainXml clone = DomainXml.parse(s.domainXml("vm2", true));
            assertNotEquals(TestDriver.UUID, clone.uuid());
            assertFalse(clone.toXml().contains("52:54:00:aa:bb:01"), "a new MAC");
            assertTrue(clone.toXml().contains("52:54:00:"), clone.toXml());
            assertEquals(new DomainDisk("disk", "raw", DiskSource.file(dir.resolve("vm2.raw").toString()), List.of(),
                    true, "vda", "virtio", false), clone.disk("vda"));
            assertTrue(Compare.run(CompareOptions.of(raw, made.get(0)), ProgressListener.NONE).identical());
            assertEquals(DiskSource.file(raw.toString()), DomainXml.parse(s.domainXml("vm1", true)).disk("vda")
                    .source(), "the source domain is untouched");
        }
    }

    @Test
    void aLinkedCloneIsAQcow2OverlayRecordingTheBackingFormat() throws IOException {
        Path raw = BootSector.writeRawDisk(dir.resolve("vm1.raw"), 4 << 20);
        Path overlay = dir.resolve("elsewhere.qcow2");
        try (VirshSession s = VirshSession.open(TestDriver.uri(dir, raw, "raw", false))) {
            new CloneDomain(s, new CloneOptions("vm1", "vm3", List.of(overlay), true)).run(ProgressListener.NONE);
            DomainDisk vda = DomainXml.parse(s.domainXml("vm3", true)).disk("vda");
            assertEquals("qcow2", vda.format());
            assertEquals(List.of(new BackingLayer("raw", DiskSource.file(raw.toString()))), vda.chain());
            assertTrue(vda.chainTerminated());
            try (Image image = Images.open(overlay, OpenOptions.readOnlyDefaults().withFormat("qcow2"))) {
                assertEquals("raw", image.info().backingFormat());
            }
            assertTrue(Compare.run(CompareOptions.of(raw, overlay), ProgressListener.NONE).identical());
        }
    }

    @Test
    void aRunningSourceOrATakenNameIsRefusedAndNothingIsMade() throws IOException {
        Path raw = BootSector.writeRawDisk(dir.resolve("vm1.raw"), 1 << 20);
        try (VirshSession s = VirshSession.open(TestDriver.uri(dir, raw, "raw", true))) {
            IOException e = assertThrows(IOException.class, () -> new CloneDomain(s,
                    new CloneOptions("vm1", "vm2", List.of(), false)).run(ProgressListener.NONE));
            assertTrue(e.getMessage().contains("is running"), e.getMessage());
        }
        try (VirshSession s = VirshSession.open(TestDriver.uri(dir, raw, "raw", false))) {
            IOException e = assertThrows(IOException.class, () -> new CloneDomain(s,
                    new CloneOptions("vm1", "vm1", List.of(), false)).run(ProgressListener.NONE));
            assertTrue(e.getMessage().contains("exists already"), e.getMessage());
        }
        assertEquals(List.of("node.xml", "vm1.raw"), Files.list(dir).map(p -> p.getFileName().toString()).sorted()
                .toList());
    }
}
