package dev.platter.benchmarks;

import dev.platter.core.image.CreateOptions;
import dev.platter.core.image.Image;
import dev.platter.core.image.Images;
import dev.platter.core.image.OpenOptions;
import dev.platter.format.qcow2.Qcow2Format;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Random;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * 4 KiB random reads from a fully allocated qcow2 image against the same data as a raw file (both in the page
 * cache): the cost of the L1/L2 lookup and the image lock. Target: qcow2 within 1.2x of raw.
 *
 * <p>{@code java -jar benchmarks/target/benchmarks.jar Qcow2ReadBenchmark}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class Qcow2ReadBenchmark {
    private static final int SIZE = 256 << 20;
    private static final int BLOCK = 4096;

    private Path dir;
    private Image raw;
    private Image qcow2;

    @State(Scope.Thread)
    public static class Buffer {
        final ByteBuffer buf = ByteBuffer.allocate(BLOCK);
    }

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        dir = Files.createTempDirectory("qcow2-read-bench");
        Path rawPath = dir.resolve("data.raw");
        Path qcowPath = dir.resolve("data.qcow2");
        byte[] chunk = new byte[1 << 20];
        Random r = new Random(1);
        new Qcow2Format().create(qcowPath, SIZE, CreateOptions.none());
        try (var out = Files.newOutputStream(rawPath);
             Image q = Images.open(qcowPath, OpenOptions.readWriteDefaults().withFormat("qcow2"))) {
            for (long off = 0; off < SIZE; off += chunk.length) {
                r.nextBytes(chunk);
                out.write(chunk);
                q.write(off, ByteBuffer.wrap(chunk));
            }
        }
        raw = Images.open(rawPath, OpenOptions.readOnlyDefaults().withFormat("raw"));
        qcow2 = Images.open(qcowPath, OpenOptions.readOnlyDefaults().withFormat("qcow2"));
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        raw.close();
        qcow2.close();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private static long offset() {
        return (long) ThreadLocalRandom.current().nextInt(SIZE / BLOCK) * BLOCK;
    }

    @Benchmark
    public ByteBuffer raw(Buffer b) throws IOException {
        raw.read(offset(), b.buf.clear());
        return b.buf;
    }

    @Benchmark
    public ByteBuffer qcow2(Buffer b) throws IOException {
        qcow2.read(offset(), b.buf.clear());
        return b.buf;
    }

    @Benchmark
    @Threads(2)
    public ByteBuffer raw2Threads(Buffer b) throws IOException {
        raw.read(offset(), b.buf.clear());
        return b.buf;
    }

    @Benchmark
    @Threads(2)
    public ByteBuffer qcow22Threads(Buffer b) throws IOException {
        qcow2.read(offset(), b.buf.clear());
        return b.buf;
    }
}
