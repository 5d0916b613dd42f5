package dev.platter.format.qcow2;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * qcow2's deflate: raw RFC 1951 streams, no zlib header. qemu inflates with a 4 KiB window (windowBits -12), so a
 * writer must never refer further back than 4 KiB. The compressor uses the system zlib with windowBits -12
 * ({@link NativeZlib}), which produces exactly qemu's streams; without it, {@link java.util.zip.Deflater} with a
 * full flush every 4 KiB, which resets the match history so that no distance crosses a 4 KiB boundary (valid,
 * slightly larger output). Inflating works with any raw inflater.
 */
final class DeflateCodec {
    static final int WINDOW = 4096;
    static final ClusterDecompressor DECOMPRESSOR = new Inflate();

    private DeflateCodec() {
    }

    static ClusterCompressor compressor(int clusterSize) {
        return NativeZlib.available() ? new NativeCompressor(clusterSize) : new JavaCompressor(clusterSize);
    }

    /** Copies {@code src} into a full, zero-padded cluster buffer. */
    static int fill(ByteBuffer src, byte[] cluster) {
        int n = src.remaining();
        if (n > cluster.length) {
            throw new IllegalArgumentException("more than one cluster (" + n + " > " + cluster.length + " bytes)");
        }
        src.duplicate().get(cluster, 0, n);
        java.util.Arrays.fill(cluster, n, cluster.length, (byte) 0);
        return cluster.length;
    }

    /** System zlib, windowBits -12, level 6, memLevel 9: qemu's exact parameters. */
    static final class NativeCompressor implements ClusterCompressor {
        private final int clusterSize;
        private final ThreadLocal<Object[]> state;

        NativeCompressor(int clusterSize) {
            this.clusterSize = clusterSize;
            this.state = ThreadLocal.withInitial(() -> new Object[] {
                new NativeZlib.Stream(clusterSize), new byte[clusterSize], new byte[clusterSize]});
        }

        @Override
        public ByteBuffer compress(ByteBuffer cluster) {
            Object[] s = state.get();
            NativeZlib.Stream stream = (NativeZlib.Stream) s[0];
            byte[] in = (byte[]) s[1];
            byte[] out = (byte[]) s[2];
            fill(cluster, in);
            int n = stream.compress(in, clusterSize, out);
            return n < 0 ? null : ByteBuffer.wrap(java.util.Arrays.copyOf(out, n));
        }
    }

    /** Pure Java: a full flush every 4 KiB keeps every match inside the window qemu inflates with. */
    static final class JavaCompressor implements ClusterCompressor {
        private final int clusterSize;
        private final ThreadLocal<Object[]> state;

        JavaCompressor(int clusterSize) {
            this.clusterSize = clusterSize;
            this.state = ThreadLocal.withInitial(() -> new Object[] {
                new Deflater(Deflater.DEFAULT_COMPRESSION, true), new byte[clusterSize], new byte[clusterSize + 1024]});
        }

        @Override
        public ByteBuffer compress(ByteBuffer cluster) {
            Object[] s = state.get();
            Deflater d = (Deflater) s[0];
            byte[] in = (byte[]) s[1];
            byte[] out = (byte[]) s[2];
            fill(cluster, in);
            d.reset();
            int produced = 0;
            for (int off = 0; off < clusterSize; off += WINDOW) {
                int n = Math.min(WINDOW, clusterSize - off);
                boolean last = off + n >= clusterSize;
                d.setInput(in, off, n);
                if (last) {
                    d.finish();
                }
                while (true) {
                    int space = out.length - produced;
                    if (space == 0) {
                        return null;
                    }
                    int got = last ? d.deflate(out, produced, space)
                            : d.deflate(out, produced, space, Deflater.FULL_FLUSH);
                    produced += got;
                    if (last ? d.finished() : got < space) {
                        break;
                    }
                }
            }
            if (produced >= clusterSize) {
                return null;
            }
            return ByteBuffer.wrap(java.util.Arrays.copyOf(out, produced));
        }
    }

    /** Raw inflate; stops once a cluster is produced (the stream's end is known only to the sector). */
    static final class Inflate implements ClusterDecompressor {
        private final ThreadLocal<Inflater> inflater = ThreadLocal.withInitial(() -> new Inflater(true));

        @Override
        public void decompress(byte[] src, int srcLength, byte[] dst) throws IOException {
            Inflater inf = inflater.get();
            inf.reset();
            inf.setInput(src, 0, srcLength);
            int produced = 0;
            try {
                while (produced < dst.length) {
                    int n = inf.inflate(dst, produced, dst.length - produced);
                    produced += n;
                    if (n == 0 && (inf.finished() || inf.needsInput() || inf.needsDictionary())) {
                        break;
                    }
                }
            } catch (DataFormatException e) {
                throw new IOException("invalid deflate stream: " + e.getMessage(), e);
            }
            if (produced < dst.length) {
                throw new IOException("the deflate stream yields " + produced + " bytes, less than a cluster ("
                        + dst.length + ")");
            }
        }
    }
}
