package dev.platter.format.vhdx;

import dev.platter.core.CorruptImageException;
import dev.platter.core.storage.Storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The sector bitmaps of a differencing disk: for each chunk of payload blocks, a 1 MiB block (the BAT entry after
 * the chunk's payload entries) with one bit per logical sector, least significant bit first: 1, the sector is in
 * this file (in its partially present block); 0, read it from the parent. A block's bits are read when first asked
 * and kept in a small LRU (64 blocks' worth).
 */
final class SectorBitmaps {
    private static final int CACHED_BLOCKS = 64;
    private final Storage data;
    private final Bat bat;
    private final long sectorsPerBlock;
    private final Map<Long, byte[]> cache = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, byte[]> eldest) {
            return size() > CACHED_BLOCKS;
        }
    };

    SectorBitmaps(Storage data, Bat bat, long blockSize, int logicalSectorSize) {
        this.data = data;
        this.bat = bat;
        this.sectorsPerBlock = blockSize / logicalSectorSize;
    }

    /** The bits of payload block {@code block}, one per sector. */
    synchronized byte[] bits(long block) throws IOException {
        byte[] b = cache.get(block);
        if (b != null) {
            return b;
        }
        long chunk = block / bat.chunkRatio();
        long index = chunk * (bat.chunkRatio() + 1) + bat.chunkRatio();
        long entry = index < bat.size() ? bat.entry(index) : 0;
        if (BlockState.of(entry) != BlockState.FULLY_PRESENT || BlockState.offset(entry) < VhdxImage.MIB) {
            throw new CorruptImageException("vhdx BAT entry " + index, bat.regionOffset() + index * 8, "block "
                    + block + " is partially present but its sector bitmap is " + BlockState.name(BlockState.of(entry))
                    + " at " + BlockState.offset(entry));
        }
        long byteInBitmap = (block % bat.chunkRatio()) * sectorsPerBlock / 8;
        b = new byte[(int) (sectorsPerBlock / 8)];
        data.readAt(BlockState.offset(entry) + byteInBitmap, ByteBuffer.wrap(b));
        cache.put(block, b);
        return b;
    }

    static boolean present(byte[] bits, long sector) {
        return (bits[(int) (sector >>> 3)] >> (sector & 7) & 1) != 0;
    }
}
