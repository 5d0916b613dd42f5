package dev.platter.benchmarks;

import dev.platter.core.image.CreateOptions;
import dev.platter.core.image.Images;
import dev.platter.core.image.OpenOptions;
import dev.platter.format.qcow2.ClusterCompressor;
import dev.platter.format.qcow2.Qcow2Image;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Compression of one 64 KiB cluster as convert -c does it: deflate (4 KiB window) and zstd, text and random. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(java.util.concurrent.TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class CompressBenchmark {
    @Param({"zlib", "zstd"})
    public String type;

    @Param({"text", "random"})
    public String data;

    private ClusterCompressor compressor;
    private ByteBuffer cluster;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        Path dir = Files.createTempDirectory("platter-jmh");
        Path raw = dir.resolve("data.raw");
        // Two 1 MiB runs: random first, text second (see Workload).
        Workload.generate(raw, 2 << 20, 2 << 20, 9);
        byte[] all = Files.readAllBytes(raw);
        int off = data.equals("random") ? 0 : 1 << 20;
        cluster = ByteBuffer.allocateDirect(65536).put(all, off, 65536).flip();
        Path q = dir.resolve("c.qcow2");
        Images.format("qcow2").create(q, 1 << 20, CreateOptions.of(Map.of("compression_type", type)));
        try (Qcow2Image image = (Qcow2Image) Images.open(q, OpenOptions.readOnlyDefaults().withFormat("qcow2"))) {
            compressor = image.compressor();
        }
        Files.delete(q);
        Files.delete(raw);
        Files.delete(dir);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
    }

    @Benchmark
    public ByteBuffer compressOneCluster() throws IOException {
        return compressor.compress(cluster.duplicate());
    }
}
