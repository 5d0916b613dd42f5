package dev.platter.core;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A device that can only be read (a guest file, a snapshot's view): every write fails with
 * {@link ReadOnlyDeviceException}, and flushing has nothing to do. Implementations supply reads and the mapping.
 */
public interface ReadOnlyBlockDevice extends BlockDevice {

    @Override
    default boolean isReadOnly() {
        return true;
    }

    @Override
    default void write(long pos, ByteBuffer src) throws IOException {
        throw new ReadOnlyDeviceException(describe());
    }

    @Override
    default void writeZeroes(long pos, long len) throws IOException {
        throw new ReadOnlyDeviceException(describe());
    }

    @Override
    default void discard(long pos, long len) throws IOException {
        throw new ReadOnlyDeviceException(describe());
    }

    @Override
    default void flush() {
        // Nothing is ever written.
    }
}
