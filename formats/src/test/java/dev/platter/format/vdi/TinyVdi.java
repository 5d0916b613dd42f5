package dev.platter.format.vdi;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.UUID;

/**
 * Small VDI images built byte by byte for hostile-input and fuzz tests: qemu's header for a disk of
 * {@code blocks} 1 MiB blocks, a map of {@code entries}, and the data area with each allocated block's first sector
 * filled with its block number and the rest left out (reads past the end of the file are zeros).
 */
final class TinyVdi {
    long diskSize = 3L << 20;
    /** Map entries, one per block; -1 unallocated, -2 discarded. */
    int[] entries = {0, -1, 1};
    boolean fixed;

    byte[] build() {
        int blocks = entries.length;
        ByteBuffer h = VdiHeader.create(diskSize, fixed, new UUID(1, 2), new UUID(3, 4));
        h.putInt(VdiHeader.OFF_BLOCKS, blocks);
        long mapBytes = VdiHeader.mapBytesOnDisk(blocks);
        int dataAt = (int) (512 + mapBytes);
        h.putInt(VdiHeader.OFF_DATA, dataAt);
        int allocated = 0;
        int highest = -1;
        for (int e : entries) {
            if (e >= 0) {
                allocated++;
                highest = Math.max(highest, e);
            }
        }
        h.putInt(VdiHeader.OFF_ALLOCATED, allocated);
        int size = dataAt + (highest < 0 ? 0 : highest * VdiHeader.BLOCK_SIZE + 512);
        ByteBuffer f = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        f.put(0, h.array());
        for (int b = 0; b < blocks; b++) {
            f.putInt(512 + 4 * b, entries[b]);
            if (entries[b] >= 0) {
                for (int i = 0; i < 512; i++) {
                    f.put(dataAt + entries[b] * VdiHeader.BLOCK_SIZE + i, (byte) (b + 1));
                }
            }
        }
        return f.array();
    }
}
