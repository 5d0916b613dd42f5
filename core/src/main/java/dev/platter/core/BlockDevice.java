package dev.platter.core;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A fixed-size array of bytes: a virtual disk, a partition, a logical volume.
 *
 * <p>Every operation is positional and the device keeps no cursor, so one instance may be shared by
 * many threads; implementations must make concurrent reads safe and serialise writes where they need to.
 *
 * <p>Bounds are strict: a negative position or length is a caller error ({@link IllegalArgumentException});
 * a range that reaches past {@link #size()} fails with {@link java.io.EOFException}, naming the device.
 */
public interface BlockDevice extends Closeable {

    /** Size in bytes. */
    long size();

    /** True when writes are refused. */
    boolean isReadOnly();

    /** Reads exactly {@code dst.remaining()} bytes starting at {@code pos}. */
    void read(long pos, ByteBuffer dst) throws IOException;

    /** Writes all of {@code src} at {@code pos}. */
    void write(long pos, ByteBuffer src) throws IOException;

    /** Makes the range read as zeros, cheaply where the layer can (holes, zero flags). */
    void writeZeroes(long pos, long len) throws IOException;

    /**
     * Tells the device the range is no longer needed. Afterwards the range reads as zeros or, in an image
     * with a backing file, as the backing file's content. Layers that cannot free space write zeros.
     */
    void discard(long pos, long len) throws IOException;

    /** Makes completed writes durable. */
    void flush() throws IOException;

    /**
     * The allocation status of the run that starts at {@code pos}: the longest run, at most {@code maxLen}
     * bytes, over which status, depth and host contiguity stay the same. A layer may return a shorter run
     * than that, but never a longer one and never an empty one while {@code pos < size()}.
     */
    Extent mapping(long pos, long maxLen) throws IOException;

    /** A human-readable description of this device that composes through layers, for error messages. */
    String describe();

    /** Convenience: reads {@code len} bytes into a new heap buffer. */
    default byte[] readBytes(long pos, int len) throws IOException {
        byte[] bytes = new byte[len];
        read(pos, ByteBuffer.wrap(bytes));
        return bytes;
    }
}
