package dev.platter.format.qcow2;

import java.io.IOException;

/** Expands one compressed cluster. Thread-safe. */
interface ClusterDecompressor {

    /**
     * Fills {@code dst} (one cluster) from the stream at the start of {@code src[0, srcLength)}; bytes after the
     * stream belong to something else and are ignored.
     *
     * @throws IOException (a {@link dev.platter.core.CorruptImageException} from the caller's point of view)
     *                     when the stream is invalid or yields less than a cluster
     */
    void decompress(byte[] src, int srcLength, byte[] dst) throws IOException;
}
