package dev.platter.format.cloop;

import dev.platter.core.CorruptImageException;
import dev.platter.core.UnsupportedFeatureException;
import dev.platter.core.storage.Storage;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A cloop (V2.0) image's header and block index: after the 128-byte shell preamble, the block size and block count
 * (big-endian u32) and n+1 big-endian u64 offsets, block {@code i} being the zlib stream from offset {@code i} to
 * offset {@code i+1}. Checked as qemu 7.2's cloop_open checks it, in its order and with its messages.
 */
final class CloopIndex {
    static final String MAGIC = "#!/bin/sh\n#V2.0 Format\nmodprobe cloop file=$0 && mount -r -t iso9660 /dev/cloop $1\n";
    static final long MAX_BLOCK_SIZE = 64L << 20;
    /** Platter holds the index in memory: at most this many blocks (128 MiB of offsets). */
    static final long MAX_HELD = 1L << 24;

    final long blockSize;
    final long blocks;
    private final long[] offsets;

    private CloopIndex(long blockSize, long blocks, long[] offsets) {
        this.blockSize = blockSize;
        this.blocks = blocks;
        this.offsets = offsets;
    }

    static CloopIndex read(Storage storage) throws IOException {
        String where = "cloop header of '" + storage.name() + "'";
        ByteBuffer b = ByteBuffer.allocate(8);
        storage.readAt(128, b.duplicate()); // past the end reads as zeros, as qemu's pread
        long blockSize = Integer.toUnsignedLong(b.getInt(0));
        if (blockSize % 512 != 0) {
            throw new CorruptImageException(where, 128, "block_size " + blockSize + " must be a multiple of 512");
        }
        if (blockSize == 0) {
            throw new CorruptImageException(where, 128, "block_size cannot be zero");
        }
        if (blockSize > MAX_BLOCK_SIZE) {
            throw new CorruptImageException(where, 128, "block_size " + blockSize + " must be 64 MB or less");
        }
        long blocks = Integer.toUnsignedLong(b.getInt(4));
        long maxBlocks = (0xffffffffL - 1) / 8;
        if (blocks > maxBlocks) {
            throw new CorruptImageException(where, 132, "n_blocks " + blocks + " must be " + maxBlocks + " or less");
        }
        long offsetsSize = (blocks + 1) * 8;
        if (offsetsSize > 512L << 20) {
            throw new CorruptImageException(where, 132, "image requires too many offsets, try increasing block size");
        }
        long fileSize = storage.size();
        if (136 + offsetsSize > fileSize) {
            throw new CorruptImageException("cloop block index of '" + storage.name() + "'", 136, (blocks + 1)
                    + " offsets run past the end of the file (" + fileSize + " bytes)");
        }
        if (blocks > MAX_HELD) {
            throw new UnsupportedFeatureException("cloop images of more than " + MAX_HELD + " blocks", "'"
                    + storage.name() + "': a cloop index of " + blocks + " blocks (Platter holds at most " + MAX_HELD
                    + ")");
        }
        ByteBuffer o = ByteBuffer.allocate((int) offsetsSize);
        storage.readFully(136, o);
        long[] offsets = new long[(int) blocks + 1];
        o.flip().asLongBuffer().get(offsets);
        for (int i = 1; i < offsets.length; i++) {
            if (Long.compareUnsigned(offsets[i], offsets[i - 1]) < 0) {
                throw new CorruptImageException("cloop block index of '" + storage.name() + "'", 136 + 8L * i,
                        "offsets not monotonically increasing at index " + i + ", image file is corrupt");
            }
            if (Long.compareUnsigned(offsets[i] - offsets[i - 1], 2 * MAX_BLOCK_SIZE) > 0) {
                throw new CorruptImageException("cloop block index of '" + storage.name() + "'", 136 + 8L * i,
                        "invalid compressed block size at index " + i + ", image file is corrupt");
            }
        }
        if (blocks * blockSize > Long.MAX_VALUE / 2) {
            throw new CorruptImageException(where, 132, "a disk of " + blocks + " blocks of " + blockSize
                    + " bytes is more than a disk can hold");
        }
        return new CloopIndex(blockSize, blocks, offsets);
    }

    /** Where block {@code i}'s compressed bytes start in the file. */
    long start(int i) {
        return offsets[i];
    }

    /** How many compressed bytes block {@code i} has (at most 128 MiB: checked). */
    long length(int i) {
        return offsets[i + 1] - offsets[i];
    }
}
