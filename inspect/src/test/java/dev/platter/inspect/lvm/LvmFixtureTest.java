package dev.platter.inspect.lvm;

import dev.platter.core.BlockDevice;
import dev.platter.core.Extent;
import dev.platter.core.SliceDevice;
import dev.platter.core.image.Image;
import dev.platter.core.image.Images;
import dev.platter.core.image.OpenOptions;
import dev.platter.inspect.volume.Partition;
import dev.platter.inspect.volume.PartitionTable;
import dev.platter.inspect.volume.PartitionTables;
import dev.platter.testdata.Fixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The VG of the guest-lvm fixtures (made by lvm2, filled through the kernel's device-mapper): its layout as
 * {@code lvs -o seg_pe_ranges} printed it when the fixture was made, and every LV byte equal to the PV bytes
 * those ranges name.
 */
class LvmFixtureTest {
    @TempDir
    static Path dir;
    static Image a;
    static Image b;
    static PhysicalVolume pvA;
    static PhysicalVolume pvB;
    static List<VolumeGroup> vgs;
    static final List<String> warnings = new ArrayList<>();

    /** lvs -o lv_name,seg_start_pe,seg_size_pe,stripes,stripe_size,seg_pe_ranges (loop0 = sda2, loop1 = sdb). */
    static final Map<String, String[]> SEGMENTS = Map.of(
            "data-1", new String[] {"B:16-23"},
            "home", new String[] {"A:24-31 B:0-7"},
            "root", new String[] {"A:0-11", "A:16-23", "B:8-15"},
            "swap", new String[] {"A:12-15"},
            "xfs", new String[] {"B:24-39"});

    @BeforeAll
    static void open() throws IOException {
        a = Images.open(Fixtures.expand("guest-lvm-a.raw", dir), OpenOptions.readOnlyDefaults().withFormat("raw"));
        b = Images.open(Fixtures.expand("guest-lvm-b.raw", dir), OpenOptions.readOnlyDefaults().withFormat("raw"));
        PartitionTable t = PartitionTables.read(a, PartitionTables.PROBE);
        Partition p2 = t.partition(2);
        BlockDevice sda2 = SliceDevice.of(a, p2.start(), p2.length(), "partition 2");
        pvA = new PhysicalVolume("/dev/sda2", sda2, PvLabel.find(sda2));
        pvB = new PhysicalVolume("/dev/sdb", b, PvLabel.find(b));
        vgs = LvmScanner.assemble(List.of(pvA, pvB), warnings);
    }

    @AfterAll
    static void close() throws IOException {
        a.close();
        b.close();
    }

    @Test
    void labelsAndVolumeGroup() {
        assertNotNull(pvA.label());
        assertEquals(1, pvA.label().sector());
        assertEquals(1 << 20, pvA.label().peStart());
        assertEquals(List.of(new DiskArea(4096, 1044480)), pvA.label().metadataAreas());
        assertTrue(warnings.isEmpty(), warnings.toString());
        assertEquals(1, vgs.size());
        VolumeGroup vg = vgs.get(0);
        assertEquals("vg-data", vg.name());
        assertEquals(1 << 20, vg.metadata().extentSize());
        assertEquals(List.of(pvA, pvB), vg.physicalVolumes());
        assertEquals(96468992L, vg.size(), "virt-filesystems --vgs size");
        assertEquals(List.of("root", "swap", "home", "data-1", "xfs"),
                vg.logicalVolumes().stream().map(LogicalVolume::name).toList());
        LogicalVolume data = vg.logicalVolumes().get(3);
        assertEquals("/dev/vg-data/data-1", data.path());
        assertEquals("vg--data-data--1", data.mapperName());
    }

    @Test
    void everyLvReadsThePvBytesLvsNames() throws IOException {
        VolumeGroup vg = vgs.get(0);
        long es = 1 << 20;
        for (LogicalVolume lv : vg.logicalVolumes()) {
            String[] segments = SEGMENTS.get(lv.name());
            BlockDevice dev = lv.device();
            long lvPos = 0;
            for (String seg : segments) {
                String[] stripes = seg.split(" ");
                int n = stripes.length;
                long[] legStart = new long[n];
                long legExtents = 0;
                BlockDevice[] pv = new BlockDevice[n];
                for (int i = 0; i < n; i++) {
                    String[] f = stripes[i].split("[:-]");
                    pv[i] = f[0].equals("A") ? pvA.device() : pvB.device();
                    legStart[i] = (1 << 20) + Long.parseLong(f[1]) * es;
                    legExtents = Long.parseLong(f[2]) - Long.parseLong(f[1]) + 1;
                }
                long chunk = n == 1 ? legExtents * es : 65536;
                long segBytes = legExtents * es * n;
                for (long off = 0; off < segBytes; off += chunk) {
                    long c = off / chunk;
                    int leg = (int) (c % n);
                    long at = legStart[leg] + (c / n) * chunk;
                    int len = (int) Math.min(chunk, 1 << 20);
                    for (long k = 0; k < chunk; k += len) {
                        byte[] expect = pv[leg].readBytes(at + k, len);
                        byte[] got = dev.readBytes(lvPos + off + k, len);
                        assertArrayEquals(expect, got, lv.name() + " at " + (lvPos + off + k));
                    }
                }
                lvPos += segBytes;
            }
            assertEquals(lvPos, dev.size(), lv.name());
        }
    }

    @Test
    void lvsHoldTheFilesystemsUploadedIntoThem() throws IOException {
        Map<String, String> uuids = Map.of("root", "5a6b0000-0000-4000-8000-0000000001f0",
                "home", "5a6b0000-0000-4000-8000-000000000110", "data-1", "5a6b0000-0000-4000-8000-000000000111");
        for (LogicalVolume lv : vgs.get(0).logicalVolumes()) {
            String want = uuids.get(lv.name());
            if (want == null) {
                continue;
            }
            byte[] sb = lv.device().readBytes(1024, 1024);
            assertEquals(0xEF53, (sb[0x38] & 0xFF) | (sb[0x39] & 0xFF) << 8, lv.name());
            java.nio.ByteBuffer u = java.nio.ByteBuffer.wrap(sb, 0x68, 16);
            assertEquals(want, new java.util.UUID(u.getLong(), u.getLong()).toString(), lv.name());
        }
        byte[] xfs = vgs.get(0).logicalVolumes().get(4).device().readBytes(0, 4);
        assertEquals("XFSB", new String(xfs));
    }

    @Test
    void mappingFollowsStripesAndKeepsHoles() throws IOException {
        LogicalVolume home = vgs.get(0).logicalVolumes().get(2);
        BlockDevice dev = home.device();
        long pos = 0;
        int runs = 0;
        while (pos < dev.size()) {
            Extent e = dev.mapping(pos, Long.MAX_VALUE);
            assertEquals(pos, e.start());
            assertTrue(e.length() <= 65536, "a run never crosses a chunk");
            pos = e.end();
            runs++;
        }
        assertEquals(16L * 1024 * 1024, pos);
        assertTrue(runs >= 256);
        assertTrue(Arrays.asList(Extent.Status.values()).contains(dev.mapping(8 << 20, 4096).status()));
    }
}
