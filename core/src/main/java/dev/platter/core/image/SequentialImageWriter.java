package dev.platter.core.image;

import dev.platter.core.image.capability.CompressedWrites;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A new image written front to back into a sink that cannot seek (a pipe, an OVA's tar entry, an upload): made by
 * {@link ImageFormat#createSequential}. Clusters arrive in ascending order, each whole (the last may be short), and
 * at most once; what is never written reads as zeros. {@link #finish} writes what follows the last cluster; closing
 * without it leaves an unfinished stream.
 */
public interface SequentialImageWriter extends Closeable {

    /** The virtual size. */
    long size();

    /** How the format compresses clusters (workers compress in parallel; results are written in order). */
    CompressedWrites compression();

    /** Writes one whole cluster as it is, at the cluster-aligned {@code pos} past every cluster written so far. */
    void write(long pos, ByteBuffer cluster) throws IOException;

    /** Ends the stream: the metadata that follows the clusters, then the format's end mark. */
    void finish() throws IOException;
}
