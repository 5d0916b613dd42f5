package dev.platter.inspect.volume;

import dev.platter.core.BlockDevice;
import dev.platter.core.CorruptImageException;
import dev.platter.inspect.fs.StatFs;

import java.io.IOException;

/**
 * The BIOS parameter block of a FAT12/16/32 boot sector, and the statvfs numbers Linux's vfat driver reports for
 * it (fs/fat/inode.c): data clusters as blocks of one cluster, free clusters counted in the first FAT. Platter does
 * not read FAT directories; this is what virt-filesystems and virt-df need of an EFI system partition.
 *
 * @param bytesPerSector    bytes per sector
 * @param sectorsPerCluster sectors per cluster
 * @param reservedSectors   sectors before the first FAT
 * @param fats              number of FATs
 * @param rootEntries       FAT12/16 root directory entries (0 on FAT32)
 * @param totalSectors      sectors in the volume
 * @param fatSectors        sectors per FAT
 */
public record FatBootSector(int bytesPerSector, int sectorsPerCluster, int reservedSectors, int fats, int rootEntries,
                            long totalSectors, long fatSectors) {
    private static final int MAX_FAT12 = 4084;
    /** Names on vfat (long file names) may be this long, as statvfs reports it. */
    private static final int VFAT_NAME_MAX = 1530;

    public static FatBootSector read(BlockDevice dev) throws IOException {
        byte[] b = dev.readBytes(0, 512);
        int bps = LittleEndian.u16(b, 0x0B);
        int spc = LittleEndian.u8(b, 0x0D);
        int fat16 = LittleEndian.u16(b, 0x16);
        long total16 = LittleEndian.u16(b, 0x13);
        FatBootSector s = new FatBootSector(bps, spc, LittleEndian.u16(b, 0x0E), LittleEndian.u8(b, 0x10),
                LittleEndian.u16(b, 0x11), total16 != 0 ? total16 : LittleEndian.u32(b, 0x20),
                fat16 != 0 ? fat16 : LittleEndian.u32(b, 0x24));
        if (Integer.bitCount(bps) != 1 || bps < 512 || bps > 4096 || spc == 0 || Integer.bitCount(spc) != 1
                || s.fats == 0 || s.reservedSectors == 0 || s.fatSectors == 0) {
            throw new CorruptImageException("FAT boot sector", 0, "implausible BIOS parameter block");
        }
        return s;
    }

    /** FAT32 has no fixed root directory (and its FAT size lives in the 32-bit field). */
    public boolean isFat32() {
        return rootEntries == 0;
    }

    private long dataStart() {
        long rootSectors = ((long) rootEntries * 32 + bytesPerSector - 1) / bytesPerSector;
        return reservedSectors + (long) fats * fatSectors + rootSectors;
    }

    public long clusters() {
        long data = totalSectors - dataStart();
        return data <= 0 ? 0 : data / sectorsPerCluster;
    }

    public long clusterSize() {
        return (long) sectorsPerCluster * bytesPerSector;
    }

    /** statvfs as Linux reports it for this volume mounted read-only. */
    public StatFs statfs(BlockDevice dev) throws IOException {
        long clusters = clusters();
        long fatBytes = fatSectors * bytesPerSector;
        long fatStart = (long) reservedSectors * bytesPerSector;
        if (fatStart + fatBytes > dev.size() || fatBytes > (64L << 20)) {
            throw new CorruptImageException("FAT", fatStart, "the FAT does not fit the volume");
        }
        byte[] fat = dev.readBytes(fatStart, (int) fatBytes);
        int bits = isFat32() ? 32 : clusters <= MAX_FAT12 ? 12 : 16;
        long free = 0;
        for (long c = 2; c < clusters + 2; c++) {
            long entry;
            if (bits == 12) {
                int off = (int) (c + c / 2);
                if (off + 1 >= fat.length) {
                    break;
                }
                int v = LittleEndian.u16(fat, off);
                entry = (c & 1) == 0 ? v & 0xFFF : v >>> 4;
            } else if (bits == 16) {
                if (2 * c + 1 >= fat.length) {
                    break;
                }
                entry = LittleEndian.u16(fat, (int) (2 * c));
            } else {
                if (4 * c + 3 >= fat.length) {
                    break;
                }
                entry = LittleEndian.u32(fat, (int) (4 * c)) & 0x0FFFFFFF;
            }
            if (entry == 0) {
                free++;
            }
        }
        return new StatFs(clusterSize(), clusters, free, free, 0, 0, VFAT_NAME_MAX);
    }
}
