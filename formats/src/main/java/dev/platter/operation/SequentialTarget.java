package dev.platter.operation;

import dev.platter.core.image.SequentialImageWriter;
import dev.platter.core.image.capability.CompressedWrites;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A conversion target that cannot seek (stdout): the format's sequential writer, fed in ascending order by the
 * ordered copy pipeline. Zero runs need nothing (what is never written reads as zeros).
 */
final class SequentialTarget implements ConvertTarget {
    private final SequentialImageWriter writer;

    SequentialTarget(SequentialImageWriter writer) {
        this.writer = writer;
    }

    @Override
    public long size() {
        return writer.size();
    }

    @Override
    public void write(long pos, ByteBuffer src) throws IOException {
        writer.write(pos, src);
    }

    @Override
    public void writeZeroes(long pos, long len) {
        // A stream reads as zeros wherever nothing was written.
    }

    @Override
    public CompressedWrites compressor() {
        return writer.compression();
    }

    @Override
    public void writeCompressed(long pos, ByteBuffer compressed) throws IOException {
        writer.compression().writeCompressedCluster(pos, compressed);
    }

    @Override
    public void finish(boolean flush) throws IOException {
        writer.finish();
    }

    @Override
    public void close() throws IOException {
        writer.close();
    }
}
