package dev.platter.format.qcow2;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Compresses clusters of the virtual disk for an image's compression type. Thread-safe: convert runs one per core.
 */
public interface ClusterCompressor {

    /**
     * Compresses one cluster of guest data. A shorter input (the last cluster of an image whose size is not a
     * multiple of the cluster size) is padded with zeros, as qemu does.
     *
     * @param cluster at most one cluster of data; read from its position to its limit, not consumed
     * @return the compressed stream (position 0, limit its length), or null when it would not be smaller than the
     *         cluster: qemu then stores the cluster uncompressed, and so should the caller
     */
    ByteBuffer compress(ByteBuffer cluster) throws IOException;
}
