package dev.platter.benchmarks;

import dev.platter.format.qcow2.ClusterCompressor;
import dev.platter.format.qcow2.CompressionType;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Compressing one 64 KiB cluster (what convert -c does per cluster), of text-like or of random bytes: deflate with
 * a 4 KiB window through the system zlib, through the pure-Java fallback (a full flush every 4 KiB, forced with
 * -Dplatter.zlib.pure-java=true), and zstd.
 *
 * <p>{@code java -jar benchmarks/target/benchmarks.jar ClusterCompressionBenchmark}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ClusterCompressionBenchmark {
    private static final int CLUSTER = 65536;
    @Param({"text", "random"})
    public String data;
    private final ByteBuffer[] clusters = new ByteBuffer[16];
    private ClusterCompressor zlib;
    private ClusterCompressor zstd;
    private int next;

    @Setup
    public void setUp() {
        byte[] words = ("Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut "
                + "labore et dolore magna aliqua. /usr/lib/x86_64-linux-gnu/libc.so.6 0x7f3a2b1c ")
                .getBytes(StandardCharsets.US_ASCII);
        Random r = new Random(5);
        for (int c = 0; c < clusters.length; c++) {
            byte[] b = new byte[CLUSTER];
            if (data.equals("random")) {
                r.nextBytes(b);
                clusters[c] = ByteBuffer.wrap(b);
                continue;
            }
            for (int i = 0; i < CLUSTER; i++) {
                b[i] = r.nextInt(16) == 0 ? (byte) r.nextInt(256) : words[(i * 7 + r.nextInt(5)) % words.length];
            }
            clusters[c] = ByteBuffer.wrap(b);
        }
        zlib = CompressionType.ZLIB.compressor(CLUSTER);
        zstd = CompressionType.ZSTD.compressor(CLUSTER);
    }

    private ByteBuffer nextCluster() {
        next = (next + 1) % clusters.length;
        return clusters[next];
    }

    @Benchmark
    public ByteBuffer zlibSystem() throws IOException {
        return zlib.compress(nextCluster());
    }

    @Benchmark
    @Fork(value = 1, jvmArgsAppend = "-Dplatter.zlib.pure-java=true")
    public ByteBuffer zlibPureJava() throws IOException {
        return zlib.compress(nextCluster());
    }

    @Benchmark
    public ByteBuffer zstd() throws IOException {
        return zstd.compress(nextCluster());
    }
}
