package dev.platter.inspect.lvm;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.platter.core.BlockDevice;
import dev.platter.core.Extent;
import dev.platter.inspect.testing.LvmWriter;
import dev.platter.inspect.testing.MemoryDisk;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Coverage-guided fuzzing of LVM2 reading, in two targets. {@link #metadataText} feeds the committed metadata text
 * (lvm2's config syntax) through {@link ConfigParser} and {@link VgMetadata}, then, wrapped in a valid PV, through
 * {@link LvmScanner} to the LV devices. {@link #labelAndHeader} replaces the first 8 KiB of a valid PV (label sector,
 * PV header, metadata area header, the start of the ring) with fuzz bytes; when the first input byte is odd the
 * label, header and text checksums are recomputed afterwards, so that the fuzzer gets past them.
 *
 * <p>Beyond "no crash": LV names are unique within a VG, an LV's device has the LV's size, reads fill exactly what
 * was asked, and mapping runs tile the device.
 */
class LvmFuzzTest {
    private static final long MIB = 1 << 20;
    private static final long DISK = 16 * MIB;
    private static final String UUID = "PVPVPVPVPVPVPVPVPVPVPVPVPVPV0000";
    private static final int HEAD = 8192;
    private static final int MAX_RUNS = 1024;

    @FuzzTest(maxDuration = "10m")
    void metadataText(byte[] data) {
        String text = new String(data, StandardCharsets.UTF_8);
        try {
            VgMetadata.from(ConfigParser.parse(text));
        } catch (IOException refused) {
            return;
        }
        MemoryDisk disk = new MemoryDisk(DISK);
        LvmWriter.pv(disk, 0, UUID, DISK, text);
        assemble(disk);
    }

    @FuzzTest(maxDuration = "10m")
    void labelAndHeader(byte[] data) {
        if (data.length < 2) {
            return;
        }
        MemoryDisk disk = new MemoryDisk(DISK);
        LvmWriter.pv(disk, 0, UUID, DISK, LvmWriter.vg("vg", 1, new String[] {"PVPVPV-PVPV-PVPV-PVPV-PVPV-PVPV-PV0000"},
                15, LvmWriter.lv("lin", 4, "type = \"striped\"\nstripe_count = 1\nstripes = [\"pv0\", 2]")));
        disk.put(0, Arrays.copyOfRange(data, 1, Math.min(data.length, HEAD + 1)));
        if ((data[0] & 1) != 0) {
            fixChecksums(disk);
        }
        assemble(disk);
    }

    /** The seeds assemble into a VG whose LVs are all there: the fuzzer starts from valid PVs and texts. */
    @Test
    void seedsAreValid() throws IOException {
        for (String[] seed : new String[][] {{"metadataText/linear", "1"}, {"metadataText/two-segments-and-striped", "2"},
            {"metadataText/thin-and-hidden", "1"}, {"metadataText/missing-pv", "2"},
            {"labelAndHeader/valid-pv-fix-checksums", "1"}, {"labelAndHeader/valid-pv-as-is", "1"}}) {
            byte[] data;
            try (InputStream in = getClass().getResourceAsStream("LvmFuzzTestInputs/" + seed[0])) {
                data = in.readAllBytes();
            }
            MemoryDisk disk = new MemoryDisk(DISK);
            if (seed[0].startsWith("metadataText/")) {
                LvmWriter.pv(disk, 0, UUID, DISK, new String(data, StandardCharsets.UTF_8));
            } else {
                disk.put(0, Arrays.copyOfRange(data, 1, data.length));
            }
            List<VolumeGroup> vgs = LvmScanner.assemble(List.of(new PhysicalVolume("/dev/sda", disk.device(),
                    PvLabel.find(disk.device()))), new ArrayList<>());
            assertEquals(1, vgs.size(), seed[0]);
            assertEquals(Integer.parseInt(seed[1]), vgs.get(0).logicalVolumes().size(), seed[0]);
        }
    }

    /** Recomputes the label CRC, the text checksum of raw location 0 and the metadata area header's CRC. */
    private static void fixChecksums(MemoryDisk disk) {
        for (long sector = 0; sector < 4; sector++) {
            if (new String(disk.get(sector * 512, 8), StandardCharsets.ISO_8859_1).equals("LABELONE")) {
                disk.lvmCrc(sector * 512 + 0x10, sector * 512 + 0x14, sector * 512 + 512);
            }
        }
        long mda = LvmWriter.MDA_OFFSET;
        ByteBuffer h = ByteBuffer.wrap(disk.get(mda, 512)).order(ByteOrder.LITTLE_ENDIAN);
        long offset = h.getLong(0x28);
        long size = h.getLong(0x30);
        if (offset >= 512 && offset < HEAD - mda && size > 0 && size <= HEAD - mda - offset) {
            disk.putLe32(mda + 0x38, LvmCrc.of(disk.get(mda + offset, (int) size), 0, (int) size) & 0xFFFFFFFFL);
        }
        disk.lvmCrc(mda, mda + 4, mda + 512);
    }

    private static void assemble(MemoryDisk disk) {
        List<VolumeGroup> vgs;
        try {
            PvLabel label = PvLabel.find(disk.device());
            if (label == null) {
                return;  // not a PV
            }
            vgs = LvmScanner.assemble(List.of(new PhysicalVolume("/dev/sda", disk.device(), label)), new ArrayList<>());
        } catch (IOException refused) {
            return;
        }
        for (VolumeGroup vg : vgs) {
            Set<String> names = new HashSet<>();
            for (LogicalVolume lv : vg.logicalVolumes()) {
                assertTrue(names.add(lv.name()), "LV " + lv.name() + " listed twice in " + vg.name());
                if (lv.unsupportedType() == null) {
                    try {
                        check(lv);
                    } catch (IOException unreadable) {
                        // a segment outside its PV or a missing PV: that LV only is unreadable
                    }
                }
            }
        }
    }

    private static void check(LogicalVolume lv) throws IOException {
        BlockDevice dev = lv.device();
        long size = dev.size();
        assertEquals(lv.size(), size, lv.name());
        for (long pos : new long[] {0, Math.max(0, size - 4096)}) {
            int len = (int) Math.min(4096, size - pos);
            ByteBuffer buf = ByteBuffer.allocate(len);
            dev.read(pos, buf);
            assertEquals(len, buf.position(), "read of " + len + " at " + pos + " in " + lv.name());
        }
        long pos = 0;
        for (int i = 0; i < MAX_RUNS && pos < size; i++) {
            Extent e = dev.mapping(pos, Long.MAX_VALUE);
            assertTrue(e.start() == pos && e.length() > 0 && e.end() <= size, lv.name() + ": run " + e + " at " + pos);
            pos = e.end();
        }
    }
}
