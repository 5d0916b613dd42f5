package dev.platter.operation;

import dev.platter.core.image.Image;

import java.io.IOException;
import java.nio.ByteBuffer;

/** A conversion target that is a plain image: writes and zero writes go through its block-device calls. */
final class ImageTarget implements ConvertTarget {
    private final Image image;
    private final boolean orderIndependent;

    /** @param orderIndependent true for formats whose file layout does not depend on write order (raw) */
    ImageTarget(Image image, boolean orderIndependent) {
        this.image = image;
        this.orderIndependent = orderIndependent;
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
    public boolean orderIndependent() {
        return orderIndependent;
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
    public void close() throws IOException {
        image.close();
    }
}
