package dev.platter.core.image;

import dev.platter.core.UnsupportedFeatureException;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The one thing a sparse format must answer: what lies at a virtual offset. {@link MappedReader} does the rest of
 * reading (host reads, zero filling, the backing chain) and of the allocation map (merging runs, depths).
 */
public interface ImageMapper {

    /** The run starting at {@code pos}, at most {@code maxLen} bytes (and at least one). */
    MappedRun map(long pos, long maxLen) throws IOException;

    /**
     * Reads {@code dst.remaining()} bytes at virtual offset {@code pos}, all inside {@code run}, a COMPRESSED run
     * this mapper answered.
     */
    default void readCompressed(MappedRun run, long pos, ByteBuffer dst) throws IOException {
        throw new UnsupportedFeatureException("compressed runs", "this format has no compressed runs");
    }
}
