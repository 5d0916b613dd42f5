package dev.platter.libvirt;

import dev.platter.core.ProgressListener;
import dev.platter.testdata.BootSector;
import dev.platter.testdata.RequiresTool;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * convert-disk against libvirt's test driver (no daemon, one virsh session per test): the swap, and each way it can
 * fail leaving the definition byte for byte as it was and no new image behind.
 */
@RequiresTool("virsh")
class ConvertDiskTest {
    @TempDir
    Path dir;
    Path raw;
    Path qcow2;

    @BeforeEach
    void disk() throws IOException {
        raw = BootSector.writeRawDisk(dir.resolve("vm1.raw"), 4 << 20);
        qcow2 = dir.resolve("vm1.qcow2");
    }

    private static ConvertDiskOptions toQcow2(Map<String, String> o) {
        return new ConvertDiskOptions("vm1", null, "qcow2", false, o, null, false);
    }

    @Test
    void theDomainIsRedefinedWithTheNewPathAndFormat() throws IOException {
        try (VirshSession s = VirshSession.open(TestDriver.uri(dir, raw, "raw", false))) {
            ConvertDiskResult r = new ConvertDisk(s, toQcow2(Map.of())).run(ProgressListener.NONE);
            assertEquals(qcow2, r.newPath());
            DomainXml after = DomainXml.parse(s.domainXml(TestDriver.UUID, true));
            DomainDisk vda = after.disk("vda");
            assertEquals("qcow2", vda.format());
            assertEquals(DiskSource.file(qcow2.toString()), vda.source());
            assertTrue(vda.chainTerminated());
            assertEquals(TestDriver.UUID, after.uuid());
            assertTrue(after.toXml().contains("<serial>vm1-root</serial>"), after.toXml());
            assertTrue(Files.exists(raw), "the old image is kept without --remove-source");
            assertEquals("QFI", new String(Files.readAllBytes(qcow2), 0, 3));
        }
    }

    @Test
    void removeSourceDeletesTheOldImageOnlyAfterTheRedefinition() throws IOException {
        try (VirshSession s = VirshSession.open(TestDriver.uri(dir, raw, "raw", false))) {
            new ConvertDisk(s, new ConvertDiskOptions("vm1", "vda", "qcow2", true, Map.of(), null, true))
                    .run(ProgressListener.NONE);
            assertFalse(Files.exists(raw));
            assertEquals("qcow2", DomainXml.parse(s.domainXml("vm1", true)).disk("vda").format());
        }
    }

    @Test
    void aRunningDomainIsRefused() throws IOException {
        try (VirshSession s = VirshSession.open(TestDriver.uri(dir, raw, "raw", true))) {
            String before = s.domainXml("vm1", true);
            IOException e = assertThrows(IOException.class,
                    () -> new ConvertDisk(s, toQcow2(Map.of())).run(ProgressListener.NONE));
            assertTrue(e.getMessage().contains("is running: shut it down first"), e.getMessage());
            assertUnchanged(s, before);
        }
    }

    @Test
    void aConversionFailureLeavesTheDefinitionUnchanged() throws IOException {
        try (VirshSession s = VirshSession.open(TestDriver.uri(dir, raw, "raw", false))) {
            String before = s.domainXml("vm1", true);
            assertThrows(Exception.class, () -> new ConvertDisk(s, toQcow2(Map.of("cluster_size", "3")))
                    .run(ProgressListener.NONE));
            assertUnchanged(s, before);
        }
    }

    @Test
    void aMissingSourceImageLeavesTheDefinitionUnchanged() throws IOException {
        try (VirshSession s = VirshSession.open(TestDriver.uri(dir, dir.resolve("gone.raw"), "raw", false))) {
            String before = s.domainXml("vm1", true);
            assertThrows(IOException.class, () -> new ConvertDisk(s, toQcow2(Map.of())).run(ProgressListener.NONE));
            assertUnchanged(s, before);
            assertFalse(Files.exists(dir.resolve("gone.qcow2")));
        }
    }

    @Test
    void aCopyThatDiffersIsDeletedAndTheDefinitionUnchanged() throws IOException {
        try (VirshSession s = VirshSession.open(TestDriver.uri(dir, raw, "raw", false))) {
            String before = s.domainXml("vm1", true);
            IOException e = assertThrows(IOException.class, () -> new ConvertDisk(s, toQcow2(Map.of()))
                    .afterConvert(ConvertDiskTest::breakFirstSector).run(ProgressListener.NONE));
            assertTrue(e.getMessage().contains("differs from"), e.getMessage());
            assertUnchanged(s, before);
        }
    }

    @Test
    void aDomainStartedDuringTheConversionIsRefused() throws IOException {
        try (VirshSession s = VirshSession.open(TestDriver.uri(dir, raw, "raw", false))) {
            String before = s.domainXml("vm1", true);
            IOException e = assertThrows(IOException.class, () -> new ConvertDisk(s, toQcow2(Map.of()))
                    .afterConvert(p -> s.run("start vm1")).run(ProgressListener.NONE));
            assertTrue(e.getMessage().contains("is running"), e.getMessage());
            assertUnchanged(s, before);
        }
    }

    @Test
    void aFailedDefineLeavesTheDefinitionUnchanged() throws IOException {
        try (VirshSession s = VirshSession.open(TestDriver.uri(dir, raw, "raw", false))) {
            String before = s.domainXml("vm1", true);
            LibvirtConnection refusing = new LibvirtConnection() {
                @Override
                public String domainXml(String domain, boolean inactive) throws IOException {
                    return s.domainXml(domain, inactive);
                }

                @Override
                public DomainState state(String domain) throws IOException {
                    return s.state(domain);
                }

                @Override
                public void define(String xml) throws IOException {
                    // What libvirt answers to a definition it cannot take, e.g. the name now belongs to another UUID.
                    s.define(xml.replace(TestDriver.UUID, "00000000-0000-4000-8000-000000000001"));
                }

                @Override
                public void close() {
                }
            };
            IOException e = assertThrows(LibvirtException.class,
                    () -> new ConvertDisk(refusing, toQcow2(Map.of())).run(ProgressListener.NONE));
            assertTrue(e.getMessage().contains("already exists"), e.getMessage());
            assertUnchanged(s, before);
        }
    }

    @Test
    void anExistingTargetFileIsNeverOverwritten() throws IOException {
        Files.writeString(qcow2, "mine");
        try (VirshSession s = VirshSession.open(TestDriver.uri(dir, raw, "raw", false))) {
            String before = s.domainXml("vm1", true);
            IOException e = assertThrows(IOException.class,
                    () -> new ConvertDisk(s, toQcow2(Map.of())).run(ProgressListener.NONE));
            assertTrue(e.getMessage().contains("exists already"), e.getMessage());
            assertEquals("mine", Files.readString(qcow2));
            assertEquals(before, s.domainXml("vm1", true));
        }
    }

    private void assertUnchanged(VirshSession s, String before) throws IOException {
        assertEquals(before, s.domainXml("vm1", true));
        assertEquals(List.of("vm1.raw"), Files.list(dir).map(p -> p.getFileName().toString())
                .filter(n -> n.startsWith("vm1.")).sorted().toList(), "no new image left behind");
    }

    private static void breakFirstSector(Path qcow2Image) throws IOException {
        // Rewrite the guest's first byte through Platter's own qcow2 writer: a real content difference.
        try (var image = dev.platter.core.image.Images.open(qcow2Image,
                dev.platter.core.image.OpenOptions.readWriteDefaults().withFormat("qcow2"))) {
            image.write(0, java.nio.ByteBuffer.wrap(new byte[] {0x42}));
            image.flush();
        }
    }
}
