package dev.platter.inspect.volume;

/**
 * One 16-byte partition entry of an MBR or EBR (offset 0x1BE + 16 × i).
 *
 * @param status   0x80 bootable, 0x00 not; anything else means the sector is no partition table
 * @param type     the partition type byte
 * @param firstLba first sector, relative to what the containing record says (disk, EBR, or extended partition)
 * @param sectors  number of sectors
 */
public record MbrEntry(int status, int type, long firstLba, long sectors) {
    public static final int SIZE = 16;

    public static MbrEntry parse(byte[] sector, int offset) {
        return new MbrEntry(LittleEndian.u8(sector, offset), LittleEndian.u8(sector, offset + 4),
                LittleEndian.u32(sector, offset + 8), LittleEndian.u32(sector, offset + 12));
    }

    /** Linux's test for entries that describe nothing. */
    public boolean isEmpty() {
        return sectors == 0;
    }

    /** The extended-partition types Linux follows: 0x05 (CHS), 0x0F (LBA), 0x85 (Linux). */
    public boolean isExtended() {
        return type == 0x05 || type == 0x0F || type == 0x85;
    }

    /** The GPT protective type. */
    public boolean isGptProtective() {
        return type == 0xEE;
    }
}
