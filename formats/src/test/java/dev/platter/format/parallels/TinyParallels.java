package dev.platter.format.parallels;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Small Parallels images built byte by byte: 4 KiB clusters (8 sectors), a catalog of {@code catalog} entries
 * (0 unallocated, else the cluster's place in the file in catalog units), data clusters filled with their index.
 * The extended magic counts in clusters; the old one in sectors.
 */
final class TinyParallels {
    boolean oldMagic;
    long sectors = 64;
    int[] catalog = {1, 0, 3, 2, 0, 0, 0, 0};

    byte[] build() {
        int unit = oldMagic ? 512 : 4096;
        int highest = 0;
        for (int c : catalog) {
            highest = Math.max(highest, c);
        }
        int size = Math.max(4096, highest * unit + 4096);
        ByteBuffer f = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        f.put(0, (oldMagic ? ParallelsHeader.MAGIC : ParallelsHeader.MAGIC_EXT).getBytes(StandardCharsets.US_ASCII));
        f.putInt(0x10, 2).putInt(0x14, 16).putInt(0x18, 1).putInt(0x1c, 8).putInt(0x20, catalog.length);
        f.putLong(0x24, sectors).putInt(0x30, 8);
        for (int i = 0; i < catalog.length; i++) {
            f.putInt(64 + 4 * i, catalog[i]);
            if (catalog[i] != 0) {
                for (int b = 0; b < 4096; b++) {
                    f.put(catalog[i] * unit + b, (byte) (i + 1));
                }
            }
        }
        return f.array();
    }
}
