package dev.platter.inspect.volume;

/**
 * A 512-byte MBR or EBR: the disk signature, four partition entries and the 55 AA marker.
 *
 * @param entries       the four entries at 0x1BE
 * @param diskSignature the 32-bit disk signature at 0x1B8
 * @param hasMarker     true when bytes 510-511 are 55 AA
 * @param statusValid   true when every status byte is 0x00 or 0x80 (Linux's test that this is a partition table
 *                      and not a filesystem boot sector)
 * @param fatBootSector true when the sector also looks like a FAT boot sector (reserved sectors, FAT count and
 *                      media byte plausible)
 */
public record BootRecord(MbrEntry[] entries, long diskSignature, boolean hasMarker, boolean statusValid,
                         boolean fatBootSector) {
    public static final int SIZE = 512;
    public static final int ENTRIES_OFFSET = 0x1BE;

    public static BootRecord parse(byte[] sector) {
        if (sector.length < SIZE) {
            throw new IllegalArgumentException("a boot record needs 512 bytes");
        }
        MbrEntry[] entries = new MbrEntry[4];
        boolean statusValid = true;
        for (int i = 0; i < 4; i++) {
            entries[i] = MbrEntry.parse(sector, ENTRIES_OFFSET + i * MbrEntry.SIZE);
            statusValid &= entries[i].status() == 0 || entries[i].status() == 0x80;
        }
        boolean marker = LittleEndian.u8(sector, 510) == 0x55 && LittleEndian.u8(sector, 511) == 0xAA;
        int reserved = LittleEndian.u16(sector, 0x0E);
        int fats = LittleEndian.u8(sector, 0x10);
        int media = LittleEndian.u8(sector, 0x15);
        boolean fat = reserved != 0 && fats != 0 && (media == 0xF0 || media >= 0xF8);
        return new BootRecord(entries, LittleEndian.u32(sector, 0x1B8), marker, statusValid, fat);
    }

    /** True when any entry has the GPT protective type: the disk is GPT (protective or hybrid MBR). */
    public boolean isProtective() {
        for (MbrEntry e : entries) {
            if (e.isGptProtective()) {
                return true;
            }
        }
        return false;
    }
}
