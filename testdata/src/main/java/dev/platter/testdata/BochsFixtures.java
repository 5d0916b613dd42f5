package dev.platter.testdata;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Bochs growing redologs (which qemu-img reads but cannot create), built byte by byte from the format as bximage
 * writes it: a 512-byte header, a catalog of one u32 per extent (0xffffffff: not allocated), then per allocated
 * extent a bitmap (one bit per sector) and the extent's sectors.
 */
public final class BochsFixtures {
    private BochsFixtures() {
    }

    /**
     * A version 2 redolog of {@code extents} extents of {@code extentSize} bytes with a 512-byte bitmap each. Extent
     * {@code e} is allocated when {@code bitmaps[e]} is not null: its bitmap bytes (the first bytes; the rest 0),
     * and each sector {@code s} whose bit is set holds {@code e * 16 + s + 1}.
     */
    public static byte[] redolog(int extentSize, int extents, byte[]... bitmaps) {
        int sectorsPerExtent = extentSize / 512;
        int perExtent = 512 + extentSize;
        int dataOffset = 512 + 4 * extents;
        int allocated = 0;
        for (byte[] b : bitmaps) {
            allocated += b == null ? 0 : 1;
        }
        ByteBuffer f = ByteBuffer.allocate(dataOffset + allocated * perExtent).order(ByteOrder.LITTLE_ENDIAN);
        f.put(0, "Bochs Virtual HD Image".getBytes(StandardCharsets.US_ASCII));
        f.put(32, "Redolog".getBytes(StandardCharsets.US_ASCII)).put(48, "Growing".getBytes(StandardCharsets.US_ASCII));
        f.putInt(64, 0x00020000).putInt(68, 512).putInt(72, extents).putInt(76, 512).putInt(80, extentSize);
        f.putLong(88, (long) extents * extentSize);
        int index = 0;
        for (int e = 0; e < extents; e++) {
            byte[] bits = e < bitmaps.length ? bitmaps[e] : null;
            if (bits == null) {
                f.putInt(512 + 4 * e, -1);
                continue;
            }
            f.putInt(512 + 4 * e, index);
            int at = dataOffset + index * perExtent;
            f.put(at, bits);
            for (int s = 0; s < sectorsPerExtent; s++) {
                if (s / 8 < bits.length && ((bits[s / 8] >> (s % 8)) & 1) != 0) {
                    for (int i = 0; i < 512; i++) {
                        f.put(at + 512 + s * 512 + i, (byte) (e * 16 + s + 1));
                    }
                }
            }
            index++;
        }
        return f.array();
    }
}
