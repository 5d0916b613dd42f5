package dev.platter.operation;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;

import java.nio.ByteBuffer;

/**
 * Tells, far faster than deflate finds out, that a cluster will not shrink: deflate spends as long on random
 * bytes (already compressed or encrypted data) as on text, only to store them as they are. A byte histogram of a
 * sample clears low-entropy data at once; data that looks random is confirmed by zstd's fastest level, which
 * gives up on incompressible input at gigabytes per second and, being the stronger codec, cannot compress less
 * than deflate. Only clusters that neither shrinks are declared incompressible, so the output stays as small as
 * qemu's to within a fraction of a percent on the rare clusters deflate would have shaved by a few bytes.
 */
final class CompressibilityProbe {
    /** Bytes sampled for the histogram. */
    private static final int SAMPLES = 1024;
    /** Sample entropy (bits per byte) below which the data is surely worth compressing. */
    private static final double LOW_ENTROPY = 7.0;
    /** zstd output at or above this fraction of the input: incompressible. */
    private static final double ZSTD_NO_GAIN = 0.99;
    private static final double[] N_LOG2_N = new double[SAMPLES + 1];
    private static final boolean ZSTD = loadZstd();

    static {
        for (int n = 1; n <= SAMPLES; n++) {
            N_LOG2_N[n] = n * (Math.log(n) / Math.log(2));
        }
    }

    private final ThreadLocal<Probe> probes;

    CompressibilityProbe(int clusterSize) {
        this.probes = ThreadLocal.withInitial(() -> new Probe(clusterSize));
    }

    private static boolean loadZstd() {
        try {
            return Zstd.compressBound(1) > 0;
        } catch (Throwable e) {
            return false;
        }
    }

    /** True when {@code len} bytes at {@code off} of {@code buf} are not worth handing to the compressor. */
    boolean incompressible(ByteBuffer buf, int off, int len) {
        if (!ZSTD || len < SAMPLES * 4 || sampleEntropy(buf, off, len) < LOW_ENTROPY) {
            return false;
        }
        return probes.get().incompressible(buf, off, len);
    }

    /** Shannon entropy in bits per byte of an evenly spread sample. */
    static double sampleEntropy(ByteBuffer buf, int off, int len) {
        int[] counts = new int[256];
        int step = len / SAMPLES;
        for (int i = 0; i < SAMPLES; i++) {
            counts[buf.get(off + i * step) & 0xff]++;
        }
        double sum = 0;
        for (int c : counts) {
            sum += N_LOG2_N[c];
        }
        return Math.log(SAMPLES) / Math.log(2) - sum / SAMPLES;
    }

    /** One thread's zstd context and buffers. */
    private static final class Probe {
        private final ZstdCompressCtx ctx = new ZstdCompressCtx();
        private final ByteBuffer in;
        private final ByteBuffer out;

        Probe(int clusterSize) {
            ctx.setLevel(1);
            in = ByteBuffer.allocateDirect(clusterSize);
            out = ByteBuffer.allocateDirect((int) Zstd.compressBound(clusterSize));
        }

        boolean incompressible(ByteBuffer buf, int off, int len) {
            ByteBuffer src = buf.slice(off, len);
            if (!src.isDirect()) {
                in.clear();
                in.put(src);
                in.flip();
                src = in;
            }
            out.clear();
            int n = ctx.compress(out, src);
            return n >= len * ZSTD_NO_GAIN;
        }
    }
}
