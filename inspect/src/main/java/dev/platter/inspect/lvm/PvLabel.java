package dev.platter.inspect.lvm;

import dev.platter.core.BlockDevice;
import dev.platter.core.CorruptImageException;
import dev.platter.inspect.volume.LittleEndian;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The LVM2 label (lib/label/label.h) and the PV header that follows it (lib/format_text/layout.h), in one of the
 * first four 512-byte sectors of a PV.
 *
 * @param sector        the sector (0-3) holding the label
 * @param uuid          the PV UUID, 32 characters without dashes
 * @param deviceSize    the PV size in bytes recorded at pvcreate time
 * @param dataAreas     the data areas (normally one: pe_start, size 0)
 * @param metadataAreas the metadata areas (0, 1 or 2)
 */
public record PvLabel(int sector, String uuid, long deviceSize, List<DiskArea> dataAreas,
                      List<DiskArea> metadataAreas) {
    private static final int SECTOR = 512;
    private static final int MAX_AREAS = 16;

    /**
     * The label of {@code dev}, or null when none of sectors 0-3 holds one. A sector that says LABELONE but fails
     * its checksum is not a label (as in lvm2), and scanning goes on.
     */
    public static PvLabel find(BlockDevice dev) throws IOException {
        if (dev.size() < 4 * SECTOR) {
            return null;
        }
        byte[] head = dev.readBytes(0, 4 * SECTOR);
        for (int s = 0; s < 4; s++) {
            int o = s * SECTOR;
            if (!ascii(head, o, 8).equals("LABELONE")) {
                continue;
            }
            if (LittleEndian.u64(head, o + 8) != s
                    || LittleEndian.u32(head, o + 0x10) != (LvmCrc.of(head, o + 0x14, SECTOR - 0x14) & 0xFFFFFFFFL)
                    || !ascii(head, o + 0x18, 8).equals("LVM2 001")) {
                continue;
            }
            return parse(head, o, s);
        }
        return null;
    }

    private static PvLabel parse(byte[] head, int o, int sector) throws IOException {
        long headerOffset = LittleEndian.u32(head, o + 0x14);
        if (headerOffset != 32) {
            throw new CorruptImageException("LVM2 PV label", (long) sector * SECTOR,
                    "PV header offset " + headerOffset + ", expected 32");
        }
        int p = o + 0x20;
        String uuid = ascii(head, p, 32);
        for (char c : uuid.toCharArray()) {
            if (!Character.isLetterOrDigit(c) || c > 127) {
                throw new CorruptImageException("LVM2 PV header", (long) sector * SECTOR + 0x20,
                        "PV UUID holds a character that is not a letter or digit");
            }
        }
        long deviceSize = LittleEndian.u64(head, p + 32);
        p += 40;
        int end = o + SECTOR;
        List<DiskArea> data = new ArrayList<>();
        p = areas(head, p, end, data, sector, "data");
        List<DiskArea> mdas = new ArrayList<>();
        areas(head, p, end, mdas, sector, "metadata");
        return new PvLabel(sector, uuid, deviceSize, List.copyOf(data), List.copyOf(mdas));
    }

    /** Reads a zero-terminated list of disk_locn; returns the offset after its terminator. */
    private static int areas(byte[] b, int p, int end, List<DiskArea> out, int sector, String what)
            throws CorruptImageException {
        while (true) {
            if (p + 16 > end || out.size() > MAX_AREAS) {
                throw new CorruptImageException("LVM2 PV header", (long) sector * SECTOR,
                        "the " + what + " area list has no terminator inside the label sector");
            }
            long off = LittleEndian.u64(b, p);
            long size = LittleEndian.u64(b, p + 8);
            p += 16;
            if (off == 0) {
                return p;
            }
            if (off < 0 || size < 0) {
                throw new CorruptImageException("LVM2 PV header", (long) sector * SECTOR,
                        what + " area at " + Long.toUnsignedString(off) + " is out of range");
            }
            out.add(new DiskArea(off, size));
        }
    }

    private static String ascii(byte[] b, int off, int len) {
        return new String(b, off, len, StandardCharsets.ISO_8859_1);
    }

    /** The UUID as LVM prints it, 6-4-4-4-4-4-6. */
    public String formattedUuid() {
        return dev.platter.inspect.volume.ContentProbe.formatLvmUuid(uuid);
    }

    /** Where the physical extents start, in bytes (the first data area). */
    public long peStart() {
        return dataAreas.isEmpty() ? 0 : dataAreas.get(0).offset();
    }
}
