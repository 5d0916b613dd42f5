package dev.platter.format.qcow2;

import dev.platter.core.CorruptImageException;

import java.nio.ByteBuffer;

/**
 * The bitmaps header extension: {@code u32 nb_bitmaps, u32 reserved, u64 bitmap_directory_size,
 * u64 bitmap_directory_offset}.
 */
record BitmapsExtension(int nbBitmaps, long directorySize, long directoryOffset) {
    static final int SIZE = 24;
    /** qemu's limit on the number of bitmaps in one image. */
    static final int MAX_BITMAPS = 65535;

    static BitmapsExtension parse(byte[] data, long at) throws CorruptImageException {
        if (data.length < SIZE) {
            throw new CorruptImageException("qcow2 bitmaps extension", at,
                    "length " + data.length + " is smaller than " + SIZE);
        }
        ByteBuffer b = ByteBuffer.wrap(data);
        return new BitmapsExtension(b.getInt(0), b.getLong(8), b.getLong(16));
    }

    byte[] toBytes() {
        return ByteBuffer.allocate(SIZE).putInt(nbBitmaps).putInt(0).putLong(directorySize)
                .putLong(directoryOffset).array();
    }
}
