package dev.platter.operation;

import dev.platter.format.qcow2.Qcow2Image;

import java.io.IOException;
import java.nio.ByteBuffer;

/** A qcow2 conversion target: plain writes, zero clusters, and compressed clusters packed as qemu packs them. */
final class Qcow2Target extends ImageTarget {
    private final Qcow2Image image;
    private final ClusterCompressor compressor;

    Qcow2Target(Qcow2Image image, boolean unsafeCache) {
        super(image);
        this.image = image;
        if (unsafeCache) {
            // qemu-img convert writes its target with cache=unsafe: no flushes until the image is closed.
            image.setFlushBarriers(false);
        }
        dev.platter.format.qcow2.ClusterCompressor inner = image.compressor();
        int cs = image.clusterSize();
        boolean deflate = image.compressionType() == dev.platter.format.qcow2.CompressionType.ZLIB;
        this.compressor = new ClusterCompressor() {
            @Override
            public int clusterSize() {
                return cs;
            }

            @Override
            public ByteBuffer compress(ByteBuffer cluster) throws IOException {
                return inner.compress(cluster);
            }

            @Override
            public boolean slowOnIncompressible() {
                return deflate;
            }
        };
    }

    @Override
    public ClusterCompressor compressor() {
        return compressor;
    }

    @Override
    public void writeCompressed(long pos, ByteBuffer compressed) throws IOException {
        image.writeCompressedCluster(pos, compressed);
    }

    @Override
    public void finish(boolean flush) throws IOException {
        if (flush) {
            // The close then writes the metadata back in its ordered, fsynced steps.
            image.setFlushBarriers(true);
        }
    }
}
