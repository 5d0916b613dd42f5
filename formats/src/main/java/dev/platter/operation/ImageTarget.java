package dev.platter.operation;

import dev.platter.core.image.Image;
import dev.platter.core.image.capability.CompressedWrites;
import dev.platter.core.image.capability.FlushBarriers;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A conversion target: the target image, written through its block-device calls, and through its
 * {@link CompressedWrites} for {@code -c} where it offers them.
 */
final class ImageTarget implements ConvertTarget {
    private final Image image;
    private final CompressedWrites compressed;
    private final FlushBarriers barriers;

    /**
     * @param unsafeCache no flushes until the image is closed, as qemu-img convert writes its target (cache=unsafe);
     *                    false keeps the format's ordered metadata flushes (an image being modified in place)
     */
    ImageTarget(Image image, boolean unsafeCache) {
        this.image = image;
        this.compressed = image.capability(CompressedWrites.class).orElse(null);
        this.barriers = image.capability(FlushBarriers.class).orElse(null);
        if (unsafeCache && barriers != null) {
            barriers.setFlushBarriers(false);
        }
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
    public CompressedWrites compressor() {
        return compressed;
    }

    @Override
    public void writeCompressed(long pos, ByteBuffer cluster) throws IOException {
        if (compressed == null) {
            throw new IOException("Compression not supported for this file format");
        }
        compressed.writeCompressedCluster(pos, cluster);
    }

    @Override
    public void finish(boolean flush) throws IOException {
        if (!flush) {
            return;
        }
        if (barriers != null) {
            // The close then writes the metadata back in its ordered, fsynced steps.
            barriers.setFlushBarriers(true);
        } else {
            image.flush();
        }
    }

    @Override
    public void close() throws IOException {
        image.close();
    }
}
