package dev.platter.libvirt;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Domain XML disks read back into the API: file with a chain, block, network, volume, empty cdrom. */
class DomainXmlTest {
    static final String DOMAIN = """
            <domain type='qemu' id='7'>
              <name>web1</name>
              <uuid>0f6c2a4e-3b1d-4e8a-9c7f-1a2b3c4d5e6f</uuid>
              <memory unit='MiB'>128</memory>
              <os><type arch='x86_64' machine='pc'>hvm</type></os>
              <devices>
                <disk type='file' device='disk'>
                  <driver name='qemu' type='qcow2' cache='none'/>
                  <source file='/images/web1-top.qcow2' index='3'/>
                  <backingStore type='file' index='2'>
                    <format type='qcow2'/>
                    <source file='/images/web1-base.qcow2'/>
                    <backingStore type='file' index='1'>
                      <format type='raw'/>
                      <source file='/images/golden.raw'/>
                      <backingStore/>
                    </backingStore>
                  </backingStore>
                  <target dev='vda' bus='virtio'/>
                  <serial>web1-root</serial>
                </disk>
                <disk type='block' device='disk'>
                  <driver name='qemu' type='raw' io='native'/>
                  <source dev='/dev/vg0/web1-data'/>
                  <target dev='vdb' bus='virtio'/>
                </disk>
                <disk type='network' device='disk'>
                  <driver name='qemu' type='raw'/>
                  <source protocol='nbd' name='export1'>
                    <host name='127.0.0.1' port='10809'/>
                  </source>
                  <target dev='vdc' bus='virtio'/>
                  <readonly/>
                </disk>
                <disk type='volume' device='disk'>
                  <driver name='qemu' type='qcow2'/>
                  <source pool='pool1' volume='scratch.qcow2'/>
                  <target dev='vdd' bus='virtio'/>
                </disk>
                <disk type='file' device='cdrom'>
                  <driver name='qemu' type='raw'/>
                  <target dev='hdc' bus='ide'/>
                  <readonly/>
                </disk>
                <disk type='file' device='disk'>
                  <source file='/images/undeclared.img'/>
                  <target dev='vde' bus='virtio'/>
                </disk>
                <interface type='network'><mac address='52:54:00:12:34:56'/><source network='default'/></interface>
              </devices>
            </domain>
            """;

    @Test
    void everyKindOfSourceIsRead() throws IOException {
        DomainXml d = DomainXml.parse(DOMAIN);
        assertEquals("web1", d.name());
        assertEquals("0f6c2a4e-3b1d-4e8a-9c7f-1a2b3c4d5e6f", d.uuid());
        List<DomainDisk> disks = d.disks();
        assertEquals(6, disks.size());
        DomainDisk vda = disks.get(0);
        assertEquals(new DomainDisk("disk", "qcow2", DiskSource.file("/images/web1-top.qcow2"),
                List.of(new BackingLayer("qcow2", DiskSource.file("/images/web1-base.qcow2")),
                        new BackingLayer("raw", DiskSource.file("/images/golden.raw"))),
                true, "vda", "virtio", false), vda);
        assertEquals(DiskSource.block("/dev/vg0/web1-data"), disks.get(1).source());
        assertEquals(DiskSource.network("nbd", "export1", List.of("127.0.0.1:10809")), disks.get(2).source());
        assertTrue(disks.get(2).readOnly());
        assertEquals(DiskSource.volume("pool1", "scratch.qcow2"), disks.get(3).source());
        assertEquals("cdrom", disks.get(4).device());
        assertNull(disks.get(4).source());
        assertNull(disks.get(5).format(), "no <driver type>: reported as undeclared, never guessed");
        assertFalse(disks.get(5).chainTerminated());
    }

    @Test
    void replacingASourceKeepsEverythingElse() throws IOException {
        DomainXml d = DomainXml.parse(DOMAIN);
        d.replaceSource("vda", DiskSource.file("/images/web1.qcow2"), "qcow2", List.of());
        DomainXml again = DomainXml.parse(d.toXml());
        DomainDisk vda = again.disk("vda");
        assertEquals(DiskSource.file("/images/web1.qcow2"), vda.source());
        assertEquals(List.of(), vda.chain());
        assertTrue(vda.chainTerminated());
        assertTrue(d.toXml().contains("<serial>web1-root</serial>"), "the serial is guest ABI: kept");
        assertTrue(d.toXml().contains("cache=\"none\""), d.toXml());
        assertEquals("0f6c2a4e-3b1d-4e8a-9c7f-1a2b3c4d5e6f", again.uuid());
        d.replaceSource("vde", DiskSource.file("/images/undeclared.qcow2"), "qcow2", List.of());
        assertEquals("qcow2", DomainXml.parse(d.toXml()).disk("vde").format());
    }

    @Test
    void aMissingTargetIsNamedWithTheOnesThatExist() throws IOException {
        IOException e = assertThrows(IOException.class, () -> DomainXml.parse(DOMAIN).disk("sdz"));
        assertTrue(e.getMessage().contains("vda, vdb, vdc, vdd, hdc, vde"), e.getMessage());
    }

    @Test
    void externalEntitiesAndDtdsAreRefused() {
        String xxe = "<?xml version='1.0'?><!DOCTYPE domain [<!ENTITY x SYSTEM 'file:///etc/hostname'>]>"
                + "<domain><name>&x;</name></domain>";
        IOException e = assertThrows(IOException.class, () -> DomainXml.parse(xxe));
        assertTrue(e.getMessage().contains("DOCTYPE"), e.getMessage());
        assertThrows(IOException.class, () -> DomainXml.parse("<pool/>"));
    }
}
