package dev.platter.format.vdi;

import dev.platter.core.CorruptImageException;
import dev.platter.core.image.ImageMapper;
import dev.platter.core.image.MappedRun;
import dev.platter.core.storage.Storage;

import java.io.IOException;
import java.util.function.LongSupplier;

/**
 * What lies at an offset of a VDI disk: a block's data in the file, or zeros (a block never allocated or discarded
 * reads as zeros and, as qemu reports it, is allocated-as-zero in the map, not unallocated). Runs of blocks stored
 * one after another in the file are answered as one run. A block whose data does not start inside the file, or
 * whose index lies past the blocks of the image, is damage: qemu would read zeros there, Platter says so instead.
 */
final class VdiMapper implements ImageMapper {
    private static final long BLOCK = VdiHeader.BLOCK_SIZE;
    private final Storage storage;
    private final VdiHeader header;
    private final BlockMap map;
    private final LongSupplier fileEnd;
    private final long size;

    VdiMapper(Storage storage, VdiHeader header, BlockMap map, LongSupplier fileEnd) {
        this.storage = storage;
        this.header = header;
        this.map = map;
        this.fileEnd = fileEnd;
        this.size = header.diskSize;
    }

    @Override
    public MappedRun map(long pos, long maxLen) throws IOException {
        long limit = Math.min(maxLen, size - pos);
        long block = pos / BLOCK;
        long within = pos % BLOCK;
        long entry = map.entry(block);
        boolean data = BlockMap.allocated(entry);
        long host = data ? dataOffset(block, entry) + within : -1;
        long len = BLOCK - within;
        for (long b = block + 1; len < limit && b < map.size(); b++) {
            long e = map.entry(b);
            if (BlockMap.allocated(e) != data || (data && (e != entry + (b - block) || !usable(e)))) {
                break; // a damaged neighbour is reported when the map reaches it
            }
            len += BLOCK;
        }
        len = Math.min(len, limit);
        return data ? new MappedRun(MappedRun.Kind.DATA, len, storage, host, 0)
                : new MappedRun(MappedRun.Kind.ZERO, len, null, -1, 0);
    }

    private boolean usable(long entry) {
        return entry < header.blocksInImage && header.offsetData + entry * BLOCK < fileEnd.getAsLong();
    }

    /** Where block {@code block}'s data starts, checked against the image and the file. */
    long dataOffset(long block, long entry) throws CorruptImageException {
        if (entry >= header.blocksInImage) {
            throw new CorruptImageException("vdi block map of '" + storage.name() + "'", header.offsetBmap
                    + block * 4, "block " + block + " names data block " + entry + ", past the "
                    + header.blocksInImage + " blocks of the image");
        }
        long at = header.offsetData + entry * BLOCK;
        long end = fileEnd.getAsLong();
        if (at >= end) {
            throw new CorruptImageException("vdi block map of '" + storage.name() + "'", header.offsetBmap
                    + block * 4, "block " + block + " lies at offset " + at + ", past the end of the file (" + end
                    + " bytes)");
        }
        return at;
    }
}
