package dev.platter.operation;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Compresses whole target clusters for {@code convert -c}. Thread-safe: the conversion's workers compress in
 * parallel and the results are written in order.
 */
public interface ClusterCompressor {

    /** The target's cluster size: every input is exactly this long. */
    int clusterSize();

    /**
     * The compressed form of {@code cluster} (its remaining bytes, left unchanged), or null when it would not be
     * smaller than a cluster: such clusters are stored as they are, as qemu does.
     */
    ByteBuffer compress(ByteBuffer cluster) throws IOException;

    /**
     * True when the codec spends as long failing on incompressible data as compressing (deflate), so that the
     * conversion screens clusters with a cheap probe first; false when the codec gives up quickly by itself (zstd).
     */
    default boolean slowOnIncompressible() {
        return false;
    }
}
