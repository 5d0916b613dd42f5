package dev.platter.format.vdi;

import dev.platter.core.storage.HostFiles;
import dev.platter.core.storage.Storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.UUID;

/**
 * Creates a VDI image as qemu-img 7.2 does, byte for byte but for the two random UUIDs: the header, the block map
 * (every block unallocated; a static image's blocks allocated in order), and for a static image the file grown
 * (sparse) to the end of its last block.
 */
final class VdiCreator {
    private VdiCreator() {
    }

    static void create(Path path, long requestedSize, VdiCreateOptions o) throws IOException {
        long size = (requestedSize + VdiHeader.SECTOR - 1) / VdiHeader.SECTOR * VdiHeader.SECTOR;
        long blocks = (size + VdiHeader.BLOCK_SIZE - 1) / VdiHeader.BLOCK_SIZE;
        long mapBytes = VdiHeader.mapBytesOnDisk(blocks);
        try (Storage s = HostFiles.create(path, true)) {
            s.write(0, VdiHeader.create(size, o.fixed, UUID.randomUUID(), UUID.randomUUID()));
            ByteBuffer chunk = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
            for (long done = 0; done < mapBytes; ) {
                chunk.clear();
                int n = (int) Math.min(mapBytes - done, chunk.capacity());
                for (int i = 0; i < n; i += 4) {
                    long block = (done + i) / 4;
                    chunk.putInt(i, block >= blocks ? 0 : o.fixed ? (int) block : (int) BlockMap.UNALLOCATED);
                }
                chunk.limit(n);
                s.write(VdiHeader.SIZE + done, chunk);
                done += n;
            }
            if (o.fixed) {
                s.setSize(VdiHeader.SIZE + mapBytes + blocks * VdiHeader.BLOCK_SIZE);
            }
        }
    }
}
