package dev.platter.inspect.lvm;

import dev.platter.core.BlockDevice;
import dev.platter.core.CorruptImageException;
import dev.platter.core.UnsupportedFeatureException;
import dev.platter.inspect.testing.LvmWriter;
import dev.platter.inspect.testing.MemoryDisk;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Crafted PVs: garbage, wrapped rings, stale copies, missing PVs, unsupported segments. */
class HostileLvmTest {
    private static final long MIB = 1 << 20;
    private static final String U0 = "PVPVPVPVPVPVPVPVPVPVPVPVPVPV0000";
    private static final String U1 = "PVPVPVPVPVPVPVPVPVPVPVPVPVPV1111";
    private static final String D0 = "PVPVPV-PVPV-PVPV-PVPV-PVPV-PVPV-PV0000";
    private static final String D1 = "PVPVPV-PVPV-PVPV-PVPV-PVPV-PVPV-PV1111";
    private static final String LINEAR = LvmWriter.lv("lin", 4, "type = \"striped\"\nstripe_count = 1\nstripes = [\"pv0\", 2]");

    private static PhysicalVolume pv(MemoryDisk d, String name) throws IOException {
        return new PhysicalVolume(name, d.device(), PvLabel.find(d.device()));
    }

    @Test
    void linearLvReadsItsExtents() throws IOException {
        MemoryDisk d = new MemoryDisk(16 * MIB);
        LvmWriter.pv(d, 0, U0, 16 * MIB, LvmWriter.vg("vg", 1, new String[] {D0}, 15, LINEAR));
        d.putAscii(MIB + 2 * MIB, "extent two");
        List<String> w = new ArrayList<>();
        List<VolumeGroup> vgs = LvmScanner.assemble(List.of(pv(d, "/dev/sda")), w);
        assertTrue(w.isEmpty(), w.toString());
        BlockDevice lv = vgs.get(0).logicalVolumes().get(0).device();
        assertEquals(4 * MIB, lv.size());
        assertEquals("extent two", new String(lv.readBytes(0, 10)));
    }

    @Test
    void wrappedRingIsReassembled() throws IOException {
        MemoryDisk d = new MemoryDisk(16 * MIB);
        String text = LvmWriter.vg("vg", 7, new String[] {D0}, 15, LINEAR);
        LvmWriter.pv(d, 0, U0, 16 * MIB, text);
        LvmWriter.text(d, 0, text, LvmWriter.MDA_SIZE - 100);   // the text wraps after 100 bytes
        List<VolumeGroup> vgs = LvmScanner.assemble(List.of(pv(d, "/dev/sda")), new ArrayList<>());
        assertEquals(7, vgs.get(0).metadata().seqno());
    }

    @Test
    void highestSeqnoWinsAcrossPvs() throws IOException {
        MemoryDisk d0 = new MemoryDisk(16 * MIB);
        MemoryDisk d1 = new MemoryDisk(16 * MIB);
        String[] both = {D0, D1};
        LvmWriter.pv(d0, 0, U0, 16 * MIB, LvmWriter.vg("vg", 3, both, 15, LINEAR));
        LvmWriter.pv(d1, 0, U1, 16 * MIB, LvmWriter.vg("vg", 4, both, 15,
                LINEAR + LvmWriter.lv("more", 1, "type = \"striped\"\nstripe_count = 1\nstripes = [\"pv1\", 0]")
                        .replace("LVLVLV-LVLV", "LVLVLW-LVLV")));
        List<VolumeGroup> vgs = LvmScanner.assemble(List.of(pv(d0, "/dev/sda"), pv(d1, "/dev/sdb")), new ArrayList<>());
        assertEquals(1, vgs.size());
        assertEquals(4, vgs.get(0).metadata().seqno());
        assertEquals(List.of("lin", "more"), vgs.get(0).logicalVolumes().stream().map(LogicalVolume::name).toList());
    }

    @Test
    void badChecksumsCostOnlyThatCopy() throws IOException {
        MemoryDisk d0 = new MemoryDisk(16 * MIB);
        MemoryDisk d1 = new MemoryDisk(16 * MIB);
        String[] both = {D0, D1};
        LvmWriter.pv(d0, 0, U0, 16 * MIB, LvmWriter.vg("vg", 9, both, 15, LINEAR));
        LvmWriter.pv(d1, 0, U1, 16 * MIB, LvmWriter.vg("vg", 8, both, 15, LINEAR));
        d0.put(4096 + 600, new byte[] {'#'});  // the text no longer matches its checksum
        List<String> w = new ArrayList<>();
        List<VolumeGroup> vgs = LvmScanner.assemble(List.of(pv(d0, "/dev/sda"), pv(d1, "/dev/sdb")), w);
        assertEquals(8, vgs.get(0).metadata().seqno());
        assertTrue(w.get(0).contains("checksum mismatch"), w.toString());
    }

    @Test
    void garbageMetadataIsAWarningNotACrash() throws IOException {
        for (String garbage : List.of("vg { seqno = 1 physical_volumes { pv0 { id = 3 } } }", "{{{{", "vg {\n",
                "vg { id = \"x\" seqno = 1 extent_size = 0 physical_volumes { } }",
                "vg { id = \"x\" seqno = 1 extent_size = 8 physical_volumes { pv0 { id = \"a\" pe_count = -1 } } }",
                LvmWriter.vg("vg", 1, new String[] {D0}, 15, LvmWriter.lv("s", 3,
                        "type = \"striped\"\nstripe_count = 2\nstripe_size = 128\nstripes = [\"pv0\", 0]")),
                LvmWriter.vg("vg", 1, new String[] {D0}, 15, LvmWriter.lv("s", 3,
                        "type = \"striped\"\nstripe_count = 1\nstripes = [0, \"pv0\"]")))) {
            MemoryDisk d = new MemoryDisk(16 * MIB);
            LvmWriter.pv(d, 0, U0, 16 * MIB, garbage);
            List<String> w = new ArrayList<>();
            assertEquals(List.of(), LvmScanner.assemble(List.of(pv(d, "/dev/sda")), w), garbage);
            assertEquals(1, w.size(), garbage);
            assertTrue(w.get(0).contains("corrupt"), w.get(0));
        }
    }

    @Test
    void hugeExtentNumbersAreCaughtBeforeReading() throws IOException {
        MemoryDisk d = new MemoryDisk(16 * MIB);
        LvmWriter.pv(d, 0, U0, 16 * MIB, LvmWriter.vg("vg", 1, new String[] {D0}, 15, LvmWriter.lv("huge", 4,
                "type = \"striped\"\nstripe_count = 1\nstripes = [\"pv0\", 9000000000]")));
        List<VolumeGroup> vgs = LvmScanner.assemble(List.of(pv(d, "/dev/sda")), new ArrayList<>());
        LogicalVolume lv = vgs.get(0).logicalVolumes().get(0);
        assertThrows(CorruptImageException.class, lv::device);
    }

    @Test
    void missingPvLeavesItsLvsUnreadable() throws IOException {
        MemoryDisk d = new MemoryDisk(16 * MIB);
        LvmWriter.pv(d, 0, U0, 16 * MIB, LvmWriter.vg("vg", 1, new String[] {D0, D1}, 15,
                LINEAR + LvmWriter.lv("other", 1, "type = \"striped\"\nstripe_count = 1\nstripes = [\"pv1\", 0]")
                        .replace("LVLVLV-LVLV", "LVLVLX-LVLV")));
        List<String> w = new ArrayList<>();
        VolumeGroup vg = LvmScanner.assemble(List.of(pv(d, "/dev/sda")), w).get(0);
        assertTrue(w.get(0).contains("was not found"), w.toString());
        vg.logicalVolumes().get(0).device();  // on the present PV: fine
        IOException e = assertThrows(IOException.class, () -> vg.logicalVolumes().get(1).device());
        assertTrue(e.getMessage().contains("missing"), e.getMessage());
    }

    @Test
    void thinMirrorAndRaidAreRefusedByName() throws IOException {
        for (String type : List.of("thin", "thin-pool", "mirror", "raid1", "raid5", "cache", "snapshot")) {
            MemoryDisk d = new MemoryDisk(16 * MIB);
            LvmWriter.pv(d, 0, U0, 16 * MIB, LvmWriter.vg("vg", 1, new String[] {D0}, 15,
                    LvmWriter.lv("x", 2, "type = \"" + type + "\"")));
            LogicalVolume lv = LvmScanner.assemble(List.of(pv(d, "/dev/sda")), new ArrayList<>()).get(0)
                    .logicalVolumes().get(0);
            assertEquals(type, lv.unsupportedType());
            UnsupportedFeatureException e = assertThrows(UnsupportedFeatureException.class, lv::device);
            assertEquals("LVM segment type " + type, e.feature());
        }
    }

    @Test
    void duplicatePvUuidsKeepTheFirst() throws IOException {
        MemoryDisk d0 = new MemoryDisk(16 * MIB);
        MemoryDisk d1 = new MemoryDisk(16 * MIB);
        LvmWriter.pv(d0, 0, U0, 16 * MIB, LvmWriter.vg("vg", 1, new String[] {D0}, 15, LINEAR));
        LvmWriter.pv(d1, 0, U0, 16 * MIB, LvmWriter.vg("vg", 1, new String[] {D0}, 15, LINEAR));
        d0.putAscii(3 * MIB, "first");
        d1.putAscii(3 * MIB, "clone");
        List<String> w = new ArrayList<>();
        List<VolumeGroup> vgs = LvmScanner.assemble(List.of(pv(d0, "/dev/sda"), pv(d1, "/dev/sdb")), w);
        assertTrue(w.get(0).contains("cloned"), w.toString());
        assertArrayEquals("first".getBytes(), vgs.get(0).logicalVolumes().get(0).device().readBytes(0, 5));
    }

    @Test
    void labelWithBadChecksumIsNoLabel() throws IOException {
        MemoryDisk d = new MemoryDisk(16 * MIB);
        LvmWriter.pv(d, 0, U0, 16 * MIB, LvmWriter.vg("vg", 1, new String[] {D0}, 15, LINEAR));
        d.put(512 + 0x44, new byte[] {1});
        assertNull(PvLabel.find(d.device()));
    }

    @Test
    void mdaLocationOutsideTheAreaIsCorrupt() throws IOException {
        MemoryDisk d = new MemoryDisk(16 * MIB);
        LvmWriter.pv(d, 0, U0, 16 * MIB, LvmWriter.vg("vg", 1, new String[] {D0}, 15, LINEAR));
        d.putLe64(4096 + 0x30, 1L << 40).lvmCrc(4096, 4096 + 4, 4096 + 512);  // text size 1 TiB
        List<String> w = new ArrayList<>();
        assertEquals(List.of(), LvmScanner.assemble(List.of(pv(d, "/dev/sda")), w));
        assertTrue(w.get(0).contains("does not fit"), w.toString());
    }
}
