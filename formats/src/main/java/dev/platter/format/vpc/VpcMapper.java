package dev.platter.format.vpc;

import dev.platter.core.image.ImageMapper;
import dev.platter.core.image.MappedRun;
import dev.platter.core.storage.Storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What lies at a virtual offset of a VHD. Fixed: the file itself. Dynamic: a block's data after its sector bitmap,
 * which is ignored as qemu ignores it; a block without a table entry reads as zeros, as qemu reports it (present,
 * zero). Differencing: the bitmap says sector by sector whether this disk or its parent holds the data.
 */
final class VpcMapper implements ImageMapper {
    private static final int CACHED_BITMAPS = 64;

    private final Storage storage;
    private final VpcLayout layout;
    private final BlockTable table;
    private final Map<Integer, byte[]> bitmaps = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Integer, byte[]> eldest) {
            return size() > CACHED_BITMAPS;
        }
    };

    VpcMapper(Storage storage, VpcLayout layout, BlockTable table) {
        this.storage = storage;
        this.layout = layout;
        this.table = table;
    }

    @Override
    public MappedRun map(long pos, long maxLen) throws IOException {
        if (layout.type() == VhdDiskType.FIXED) {
            return new MappedRun(MappedRun.Kind.DATA, maxLen, storage, pos, 0);
        }
        long blockSize = layout.blockSize();
        int block = (int) (pos / blockSize);
        long inBlock = pos % blockSize;
        long n = Math.min(maxLen, blockSize - inBlock);
        long host = table.dataOffset(block);
        boolean differencing = layout.type() == VhdDiskType.DIFFERENCING;
        if (host < 0) {
            return new MappedRun(differencing ? MappedRun.Kind.UNALLOCATED : MappedRun.Kind.ZERO, n, null, -1, 0);
        }
        if (!differencing) {
            return new MappedRun(MappedRun.Kind.DATA, n, storage, host + inBlock, 0);
        }
        byte[] bitmap = bitmap(block, host - layout.bitmapSize());
        long sector = inBlock / 512;
        boolean present = bit(bitmap, sector);
        long end = inBlock + n;
        long s = sector + 1;
        while (s * 512 < end && bit(bitmap, s) == present) {
            s++;
        }
        long len = Math.min(end, s * 512) - inBlock;
        return present ? new MappedRun(MappedRun.Kind.DATA, len, storage, host + inBlock, 0)
                : new MappedRun(MappedRun.Kind.UNALLOCATED, len, null, -1, 0);
    }

    /** Bit order is MSB first: sector 0 is bit 7 of byte 0. */
    private static boolean bit(byte[] bitmap, long sector) {
        return (bitmap[(int) (sector >>> 3)] & (0x80 >>> (sector & 7))) != 0;
    }

    private byte[] bitmap(int block, long at) throws IOException {
        synchronized (bitmaps) {
            byte[] b = bitmaps.get(block);
            if (b != null) {
                return b;
            }
        }
        byte[] b = new byte[(int) layout.bitmapSize()];
        storage.readFully(at, ByteBuffer.wrap(b));
        synchronized (bitmaps) {
            byte[] meanwhile = bitmaps.putIfAbsent(block, b); // a write may have filled it since
            return meanwhile != null ? meanwhile : b;
        }
    }

    /** A block's bitmap was rewritten all ones. */
    void bitmapFilled(int block) {
        byte[] ones = new byte[(int) layout.bitmapSize()];
        java.util.Arrays.fill(ones, (byte) 0xff);
        synchronized (bitmaps) {
            bitmaps.put(block, ones);
        }
    }

    /** Whether every sector of an allocated block of a differencing disk is present in this file. */
    boolean wholeBlockPresent(int block) throws IOException {
        long host = table.dataOffset(block);
        byte[] bitmap = bitmap(block, host - layout.bitmapSize());
        long sectors = layout.blockSize() / 512;
        for (long s = 0; s < sectors; s++) {
            if (!bit(bitmap, s)) {
                return false;
            }
        }
        return true;
    }
}
