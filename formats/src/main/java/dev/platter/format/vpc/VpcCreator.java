package dev.platter.format.vpc;

import dev.platter.core.storage.FileStorage;
import dev.platter.core.storage.HostFiles;
import dev.platter.core.storage.Storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.UUID;

/**
 * Creates VHDs as qemu-img 7.2 does, byte for byte but for the unique id and the timestamp: the size rounded up to
 * a CHS geometry (or exact with force_size, creator "qem2"); a dynamic disk is the footer, the header at 512, the
 * table at 1536 (all 0xff) and the footer again; a fixed disk is the data (a hole) and the footer.
 */
final class VpcCreator {
    /** qemu's block size for new dynamic disks. */
    static final long BLOCK_SIZE = 2L << 20;
    static final long TABLE_OFFSET = 3 * 512;

    private VpcCreator() {
    }

    /** The disk qemu would make for {@code requested} bytes: its geometry and size in bytes. */
    record Plan(Geometry geometry, long size) {
    }

    static Plan plan(long requested, VpcCreateOptions o) {
        long size = (requested + 511) & ~511L;
        if (o.azure) {
            size = VpcCreateOptions.azureSize(size);
        }
        Geometry g;
        long sectors;
        if (o.forceSize) {
            g = Geometry.MAX;
            sectors = size / 512;
        } else {
            g = Geometry.roundedUp(size / 512);
            sectors = g.sectors() == Geometry.MAX_SECTORS ? size / 512 : g.sectors();
        }
        if (sectors > VpcOpener.MAX_SECTORS) {
            throw new IllegalArgumentException("The image size is too large for file format 'vpc'");
        }
        return new Plan(g, sectors * 512);
    }

    static void create(Path path, long requested, VpcCreateOptions o) throws IOException {
        Plan plan = plan(requested, o);
        if (Files.exists(path) && !Files.isRegularFile(path) && !FileStorage.isBlockDevice(path)) {
            throw new IOException(path + ": not a regular file; a vpc image cannot be created there");
        }
        VhdFooter footer = VhdFooter.create(o.type, plan.size(), plan.geometry(), o.forceSize, UUID.randomUUID(),
                VhdFooter.now());
        try (Storage s = HostFiles.create(path, true)) {
            if (o.type == VhdDiskType.FIXED) {
                s.setSize(plan.size() + VhdFooter.SIZE);
                s.write(plan.size(), ByteBuffer.wrap(footer.bytes()));
            } else {
                long entries = (plan.size() / 512 + BLOCK_SIZE / 512 - 1) / (BLOCK_SIZE / 512);
                long tableBytes = (entries * 4 + 511) & ~511L;
                s.write(0, ByteBuffer.wrap(footer.bytes()));
                s.write(VhdFooter.SIZE, ByteBuffer.wrap(DynamicHeader.create(TABLE_OFFSET, entries, BLOCK_SIZE)));
                byte[] table = new byte[(int) tableBytes];
                Arrays.fill(table, (byte) 0xff);
                s.write(TABLE_OFFSET, ByteBuffer.wrap(table));
                s.write(TABLE_OFFSET + tableBytes, ByteBuffer.wrap(footer.bytes()));
            }
            s.flush();
        }
    }
}
