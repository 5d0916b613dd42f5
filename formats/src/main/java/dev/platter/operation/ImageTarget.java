package dev.platter.operation;

import dev.platter.core.image.Image;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A conversion target that is an image: writes and zero writes go through its block-device calls. A target that
 * stores compressed clusters extends it.
 */
class ImageTarget implements ConvertTarget {
    private final Image image;

    ImageTarget(Image image) {
        this.image = image;
    }

    Image image() {
        return image;
    }

    @Override
    public long size() {
        return image.size();
    }

    @Override
    public void write(long pos, ByteBuffer src) throws IOException {
        image.write(pos, src);
    }

    @Override
    public void writeZeroes(long pos, long len) throws IOException {
        image.writeZeroes(pos, len);
    }

    @Override
    public ClusterCompressor compressor() {
        return null;
    }

    @Override
    public void writeCompressed(long pos, ByteBuffer compressed) throws IOException {
        throw new IOException("Compression not supported for this file format");
    }

    @Override
    public void finish(boolean flush) throws IOException {
        if (flush) {
            image.flush();
        }
    }

    @Override
    public void close() throws IOException {
        image.close();
    }
}
