package dev.platter.format.qcow2;

import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDecompressCtx;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * qcow2's zstd: one zstd frame per cluster (compression level 3, qemu's default; content size in the frame, no
 * checksum), through zstd-jni. Decompression stops after one cluster and ignores what follows the frame.
 */
final class ZstdCodec {
    static final int LEVEL = 3;
    static final ClusterDecompressor DECOMPRESSOR = new Decompressor();

    private ZstdCodec() {
    }

    static final class Compressor implements ClusterCompressor {
        private final int clusterSize;
        private final ThreadLocal<Object[]> state;

        Compressor(int clusterSize) {
            this.clusterSize = clusterSize;
            this.state = ThreadLocal.withInitial(() -> {
                ZstdCompressCtx ctx = new ZstdCompressCtx();
                ctx.setLevel(LEVEL);
                ctx.setChecksum(false);
                ctx.setContentSize(true);
                return new Object[] {ctx, new byte[clusterSize], new byte[clusterSize * 2 + 1024]};
            });
        }

        @Override
        public ByteBuffer compress(ByteBuffer cluster) throws IOException {
            Object[] s = state.get();
            ZstdCompressCtx ctx = (ZstdCompressCtx) s[0];
            byte[] in = (byte[]) s[1];
            byte[] out = (byte[]) s[2];
            DeflateCodec.fill(cluster, in);
            int n;
            try {
                n = ctx.compressByteArray(out, 0, out.length, in, 0, clusterSize);
            } catch (RuntimeException e) {
                throw new IOException("zstd compression failed: " + e.getMessage(), e);
            }
            if (n >= clusterSize) {
                return null;
            }
            return ByteBuffer.wrap(java.util.Arrays.copyOf(out, n));
        }
    }

    static final class Decompressor implements ClusterDecompressor {
        /** Per thread: the context and direct buffers, grown on demand. */
        private static final class State {
            final ZstdDecompressCtx ctx = new ZstdDecompressCtx();
            ByteBuffer in = ByteBuffer.allocateDirect(0);
            ByteBuffer out = ByteBuffer.allocateDirect(0);
            final ByteBuffer extra = ByteBuffer.allocateDirect(1);
        }

        private final ThreadLocal<State> state = ThreadLocal.withInitial(State::new);

        @Override
        public void decompress(byte[] src, int srcLength, byte[] dst) throws IOException {
            State s = state.get();
            if (s.in.capacity() < srcLength) {
                s.in = ByteBuffer.allocateDirect(srcLength);
            }
            if (s.out.capacity() < dst.length) {
                s.out = ByteBuffer.allocateDirect(dst.length);
            }
            ByteBuffer in = s.in.clear();
            in.put(src, 0, srcLength).flip();
            ByteBuffer out = s.out.clear().limit(dst.length);
            s.ctx.reset();
            try {
                boolean done = false;
                while (out.hasRemaining() && !done) {
                    int inPos = in.position();
                    int outPos = out.position();
                    done = s.ctx.decompressDirectByteBufferStream(out, in);
                    if (in.position() == inPos && out.position() == outPos) {
                        break;
                    }
                }
                if (out.hasRemaining()) {
                    throw new IOException("the zstd frame yields " + out.position() + " bytes, less than a cluster ("
                            + dst.length + ")");
                }
                if (!done) {
                    // The output is full; the frame must end here, or the cluster would be larger than a cluster.
                    ByteBuffer extra = s.extra.clear();
                    done = s.ctx.decompressDirectByteBufferStream(extra, in);
                    if (!done || extra.position() != 0) {
                        throw new IOException("the zstd frame yields more than a cluster");
                    }
                }
            } catch (RuntimeException e) {
                throw new IOException("invalid zstd frame: " + e.getMessage(), e);
            }
            out.flip();
            out.get(dst);
        }
    }
}
