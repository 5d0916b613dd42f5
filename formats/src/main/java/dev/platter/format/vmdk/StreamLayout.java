package dev.platter.format.vmdk;

import dev.platter.core.storage.Storage;

import java.io.IOException;

/**
 * Where a streamOptimized disk Platter creates keeps its metadata: VMware's open-vmdk layout, which vSphere imports
 * accept. Header (version 3; newline test, compressed grains and markers, no redundant directory), descriptor at
 * sector 1 (20 sectors), the grain directory at sector 21 with every grain table right after it (all tables exist,
 * empty ones too), grains from the end of the tables (overHead, not rounded to a grain), and an end-of-stream marker
 * after the last grain. Unlike qemu-img's layout: no redundant directory, an explicit end-of-stream marker, no
 * padding to the first grain.
 *
 * @param capacity   sectors of the disk
 * @param tables     grain tables (one per 512 grains)
 * @param gdSectors  sectors of the grain directory
 * @param firstTable sector of the first grain table
 * @param overHead   sector of the first grain
 */
record StreamLayout(long capacity, long tables, long gdSectors, long firstTable, long overHead) {
    static final long GD_SECTOR = VmdkCreator.DESCRIPTOR_SECTOR + VmdkCreator.DESCRIPTOR_SECTORS;
    static final long TABLE_SECTORS = VmdkCreator.GTES_PER_GT * 4 / 512;

    static StreamLayout forCapacity(long sectors) {
        long grains = (sectors + VmdkCreator.GRAIN_SECTORS - 1) / VmdkCreator.GRAIN_SECTORS;
        long tables = (grains + VmdkCreator.GTES_PER_GT - 1) / VmdkCreator.GTES_PER_GT;
        long gdSectors = (tables * 4 + 511) / 512;
        long firstTable = GD_SECTOR + gdSectors;
        return new StreamLayout(sectors, tables, gdSectors, firstTable, firstTable + tables * TABLE_SECTORS);
    }

    /** The header of a disk laid out so; {@code gdOffset} is {@link SparseHeader#GD_AT_END} for a pure stream. */
    SparseHeader header(long gdOffset, boolean zeroedGrain) {
        int flags = SparseHeader.FLAG_NEWLINE_TEST | SparseHeader.FLAG_COMPRESSED | SparseHeader.FLAG_MARKERS
                | (zeroedGrain ? SparseHeader.FLAG_ZEROED_GRAIN : 0);
        return new SparseHeader(3, flags, capacity, VmdkCreator.GRAIN_SECTORS, VmdkCreator.DESCRIPTOR_SECTOR,
                VmdkCreator.DESCRIPTOR_SECTORS, VmdkCreator.GTES_PER_GT, 0, gdOffset, overHead,
                SparseHeader.COMPRESSION_DEFLATE);
    }

    /** Writes an empty disk: header, descriptor, directory, empty tables, end-of-stream marker. */
    void writeEmpty(Storage s, String descriptor, boolean zeroedGrain) throws IOException {
        s.write(0, header(GD_SECTOR, zeroedGrain).encode());
        VmdkCreator.writeDescriptor(s, VmdkCreator.DESCRIPTOR_SECTOR * 512, descriptor);
        s.write(GD_SECTOR * 512, VmdkCreator.directory(tables, gdSectors, firstTable, TABLE_SECTORS));
        s.setSize(overHead * 512);
        s.write(overHead * 512, GrainMarker.metadata(GrainMarker.END_OF_STREAM, 0));
    }
}
