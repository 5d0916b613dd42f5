package dev.platter.format.vhdx;

import dev.platter.core.storage.FileStorage;
import dev.platter.core.storage.HostFiles;
import dev.platter.core.storage.Storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes a new disk as qemu-img 7.2's vhdx_co_create lays it out, byte for byte but for the random GUIDs and
 * sequence number: the file identifier with Platter's creator string, two headers (log of {@code log_size} at 1 MiB),
 * two identical region tables, the BAT right after the log and the metadata region right after the BAT, the file
 * ending 5 MiB past the BAT (dynamic) or that plus the disk (fixed). The BAT is written as qemu writes it: ZERO
 * entries with {@code block_state_zero} (qemu's default, fixed disks included), fully present ones for a fixed
 * disk without it, and nothing at all (all NOT_PRESENT) for a dynamic disk without it.
 */
final class VhdxCreator {
    /**
     * The creator, UTF-16LE without a terminator as qemu writes its own ("QEMU v7.2.22"): a diagnostic field that
     * says which program made the file, so Platter's says Platter.
     */
    static final String CREATOR = "Platter";
    static final long MIB = 1 << 20;

    private VhdxCreator() {
    }

    static void create(Path path, VhdxCreateOptions o) throws IOException {
        create(path, o, 512);
    }

    /**
     * @param sectorSize the logical and physical sector size: qemu creates only 512; 4096 is for tests of the
     *                   reader and writer on such disks
     */
    static void create(Path path, VhdxCreateOptions o, int sectorSize) throws IOException {
        if (Files.exists(path) && !Files.isRegularFile(path) && !FileStorage.isBlockDevice(path)) {
            throw new IOException(path + ": not a regular file; a vhdx image cannot be created there");
        }
        try (Storage s = HostFiles.create(path, true)) {
            write(s, o, sectorSize);
            s.flush();
        }
    }

    static void write(Storage s, VhdxCreateOptions o, int sectorSize) throws IOException {
        s.write(0, ByteBuffer.wrap(VhdxImage.SIGNATURE));
        s.write(8, ByteBuffer.wrap(CREATOR.getBytes(StandardCharsets.UTF_16LE)));
        VhdxHeaders.writeNew(s, o.logSize);

        long chunkRatio = (1L << 23) * sectorSize / o.blockSize;
        int chunkBits = Long.numberOfTrailingZeros(chunkRatio);
        long blocks = (o.size + o.blockSize - 1) / o.blockSize;
        // qemu's vhdx_calc_bat_entries in its 32-bit arithmetic (a disk of 0 bytes gets a large BAT, as in qemu)
        long batEntries = (blocks + (((blocks - 1) & 0xffffffffL) >>> chunkBits)) & 0xffffffffL;
        long batOffset = roundUpMib(VhdxLog.MIN_OFFSET + o.logSize);
        long batLength = roundUpMib(batEntries * 8);
        long metadataOffset = roundUpMib(batOffset + batLength);
        RegionTable table = new RegionTable(new RegionTable.Region(batOffset, batLength),
                new RegionTable.Region(metadataOffset, MIB));

        long dataStart = batOffset + batLength + 5 * MIB;
        s.setSize(o.fixed ? dataStart + o.size : dataStart);
        if (o.fixed || o.blockStateZero) {
            Bat bat = Bat.empty(batEntries, batOffset, chunkRatio);
            long sectors = o.size / sectorSize;
            long perBlock = o.blockSize / sectorSize;
            for (long sector = 0; sector < sectors; sector += perBlock) {
                long block = sector / perBlock;
                long entry = o.blockStateZero ? BlockState.ZERO
                        : roundUpMib(dataStart + sector * sectorSize) | BlockState.FULLY_PRESENT;
                bat.set(bat.payloadIndex(block), entry);
            }
            s.write(batOffset, ByteBuffer.wrap(bat.encode(batLength)));
        }
        byte[] regions = table.encode();
        s.write(RegionTable.OFFSET, ByteBuffer.wrap(regions));
        s.write(RegionTable.COPY_OFFSET, ByteBuffer.wrap(regions));
        s.write(metadataOffset, ByteBuffer.wrap(VhdxMetadata.encode(o.blockSize, o.fixed, o.size, VhdxGuid.random(),
                sectorSize)));
    }

    private static long roundUpMib(long n) {
        return (n + MIB - 1) / MIB * MIB;
    }
}
