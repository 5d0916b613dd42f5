package dev.platter.operation;

import dev.platter.core.image.capability.CompressedWrites;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;

/** Where a conversion writes: the target image, seen through the few calls convert needs. */
interface ConvertTarget extends Closeable {

    long size();

    void write(long pos, ByteBuffer src) throws IOException;

    /** Makes the range read as zeros, freeing space where the format can (qemu's write-zeroes with unmap). */
    void writeZeroes(long pos, long len) throws IOException;

    /** The compressor for {@code -c}, or null when the format cannot store compressed clusters. */
    CompressedWrites compressor();

    /** Stores one compressed cluster (from {@link #compressor()}) at the cluster-aligned {@code pos}. */
    void writeCompressed(long pos, ByteBuffer compressed) throws IOException;

    /** Called once after the last write of a successful copy: with {@code flush}, {@link #close()} then syncs. */
    void finish(boolean flush) throws IOException;
}
