package dev.platter.benchmarks;

import dev.platter.core.image.CreateOptions;
import dev.platter.core.image.Image;
import dev.platter.core.image.Images;
import dev.platter.core.image.OpenOptions;
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
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Allocating 64 KiB writes into a fresh qcow2 (each write allocates a new cluster, and an L2 table every 512
 * clusters), with qemu's default flush barriers between ordered metadata updates and without them (convert's
 * cache=unsafe). A new image every iteration keeps the file from growing without bound.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(java.util.concurrent.TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class WriteBenchmark {
    private static final long SIZE = 64L << 30;

    private Path dir;
    private Path file;
    private Image image;
    private long next;
    private final ByteBuffer cluster = ByteBuffer.allocateDirect(65536);

    @Setup(Level.Trial)
    public void data() throws IOException {
        dir = Files.createTempDirectory("platter-jmh");
        file = dir.resolve("w.qcow2");
        byte[] b = new byte[65536];
        new SplittableRandom(5).nextBytes(b);
        cluster.put(b).flip();
    }

    @Setup(Level.Iteration)
    public void freshImage() throws IOException {
        Images.format("qcow2").create(file, SIZE, CreateOptions.of(Map.of()));
        image = Images.open(file, OpenOptions.readWriteDefaults().withFormat("qcow2"));
        ((dev.platter.format.qcow2.Qcow2Image) image).setFlushBarriers(false);
        next = 0;
    }

    @TearDown(Level.Iteration)
    public void closeImage() throws IOException {
        image.close();
        Files.deleteIfExists(file);
    }

    @TearDown(Level.Trial)
    public void cleanUp() throws IOException {
        Files.deleteIfExists(file);
        Files.deleteIfExists(dir);
    }

    @Benchmark
    public long allocating64kWrite() throws IOException {
        long pos = next;
        image.write(pos, cluster.duplicate());
        next = (next + 65536) % SIZE;
        return pos;
    }
}
