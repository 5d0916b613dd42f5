package dev.platter.testdata;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * VMDK extents qemu-img reads but cannot create, built byte by byte for tests: an ESX sparse extent ("COWD") and a
 * seSparse extent (ESXi 6.5+), each with the disk content it describes.
 */
public final class VmdkFixtures {
    private static final int COWD_GRAIN = 8;
    private static final int COWD_DATA = 37;

    private VmdkFixtures() {
    }

    /**
     * A COWD extent of {@code diskSectors} (at most 4096 grains of 8 sectors: one grain table), GD at sector 4, its
     * table at 5, the listed grains from sector 37, in order; the n-th listed grain holds {@code n * 31 + i}.
     */
    public static byte[] cowd(long diskSectors, int... grains) {
        ByteBuffer f = ByteBuffer.allocate((COWD_DATA + COWD_GRAIN * grains.length) * 512)
                .order(ByteOrder.LITTLE_ENDIAN);
        f.put(new byte[] {'C', 'O', 'W', 'D'}).putInt(4, 1).putInt(8, 3).putInt(12, (int) diskSectors)
                .putInt(16, COWD_GRAIN).putInt(20, 4).putInt(24, 1).putInt(28, f.capacity() / 512);
        f.putInt(4 * 512, 5);
        for (int n = 0; n < grains.length; n++) {
            int sector = COWD_DATA + COWD_GRAIN * n;
            f.putInt(5 * 512 + grains[n] * 4, sector);
            for (int i = 0; i < COWD_GRAIN * 512; i++) {
                f.put(sector * 512 + i, (byte) (n * 31 + i));
            }
        }
        return f.array();
    }

    /** The disk {@link #cowd} describes. */
    public static byte[] cowdContent(long diskSectors, int... grains) {
        byte[] disk = new byte[(int) (diskSectors * 512)];
        for (int n = 0; n < grains.length; n++) {
            for (int i = 0; i < COWD_GRAIN * 512; i++) {
                disk[grains[n] * COWD_GRAIN * 512 + i] = (byte) (n * 31 + i);
            }
        }
        return disk;
    }

    /** seSparse grains (4 KiB) that {@link #seSparse} stores, with the index each has in the grain area. */
    private static final int[][] SE_GRAINS = {{0, 0}, {5, 1}, {6, 2}, {8192, 3}, {8192 + 4095, 4096}};

    /**
     * A seSparse extent of 64 MiB (131072 sectors): constant header, volatile header at sector 1, grain directory at
     * 2, grain tables from 3, grains from 131. In the first table grain 0 is data, 1 zero, 2 unmapped (zeros), 5 and
     * 6 contiguous data; in the third, grains 8192 and 12287, the latter with an index past 4095 (split over both
     * fields of the entry).
     */
    public static byte[] seSparse() {
        long[] gt0 = new long[4096];
        gt0[1] = 2L << 60;
        gt0[2] = 1L << 60;
        long[] gt1 = new long[4096];
        for (int[] g : SE_GRAINS) {
            (g[0] < 4096 ? gt0 : gt1)[g[0] % 4096] = (3L << 60) | ((g[1] & 0xfffL) << 48) | (g[1] >>> 12);
        }
        ByteBuffer f = ByteBuffer.allocate(131 * 512 + 4097 * 4096).order(ByteOrder.LITTLE_ENDIAN);
        f.putLong(0, 0xcafebabeL).putLong(8, 0x0000000200000001L).putLong(16, 131072).putLong(24, 8)
                .putLong(32, 64).putLong(80, 1).putLong(88, 1).putLong(128, 2).putLong(136, 1).putLong(144, 3)
                .putLong(152, 128).putLong(192, 131).putLong(200, 4097 * 8);
        f.putLong(512, 0xcafecafeL);
        f.putLong(2 * 512, 0x1000000000000000L).putLong(2 * 512 + 16, 0x1000000000000001L);
        for (int i = 0; i < 4096; i++) {
            f.putLong(3 * 512 + i * 8, gt0[i]).putLong(67 * 512 + i * 8, gt1[i]);
        }
        for (int[] g : SE_GRAINS) {
            Arrays.fill(f.array(), 131 * 512 + g[1] * 4096, 131 * 512 + (g[1] + 1) * 4096, (byte) (g[1] * 13 + 1));
        }
        return f.array();
    }

    /** The disk {@link #seSparse} describes. */
    public static byte[] seSparseContent() {
        byte[] disk = new byte[64 << 20];
        for (int[] g : SE_GRAINS) {
            Arrays.fill(disk, g[0] * 4096, (g[0] + 1) * 4096, (byte) (g[1] * 13 + 1));
        }
        return disk;
    }
}
