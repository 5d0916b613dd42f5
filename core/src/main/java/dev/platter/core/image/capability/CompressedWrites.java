package dev.platter.core.image.capability;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Clusters stored compressed ({@code convert -c}). Thread-safe: a conversion's workers compress in parallel and
 * write the results in order.
 */
public interface CompressedWrites {

    /** The unit of compression: every cluster handed to {@link #compress} is this long (the last may be shorter). */
    int clusterSize();

    /**
     * The compressed form of {@code cluster} (read from its position to its limit, not consumed), or null when it
     * would not be smaller than a cluster: such clusters are written as they are, with plain writes.
     */
    ByteBuffer compress(ByteBuffer cluster) throws IOException;

    /**
     * True when the codec spends as long failing on incompressible data as compressing it (deflate), so that a
     * caller screens clusters with a cheap probe first; false when it gives up quickly by itself (zstd).
     */
    boolean slowOnIncompressible();

    /**
     * True when the image stores every cluster compressed (a stream-optimized VMDK): writers then hand over whole
     * clusters through {@link #compress} whether or not compression was asked for, and plain writes of a cluster
     * store it as it is. Default: false.
     */
    default boolean compressesEverything() {
        return false;
    }

    /**
     * Takes the creation options that tune compression in the format that understands them ({@code
     * compression_level} for a stream-optimized VMDK), for an image just created with them. Default: none.
     */
    default void configure(java.util.Map<String, String> createOptions) {
    }

    /** Stores one result of {@link #compress} at the cluster-aligned virtual offset {@code pos}. */
    void writeCompressedCluster(long pos, ByteBuffer compressed) throws IOException;
}
