package dev.platter.benchmarks;

import dev.platter.core.ProgressListener;
import dev.platter.core.image.Image;
import dev.platter.core.image.Images;
import dev.platter.core.image.OpenOptions;
import dev.platter.operation.Convert;
import dev.platter.operation.ConvertOptions;
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
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * 1 MiB sequential reads through qcow2 against the same data in a raw file (both in the page cache): what convert
 * and compare do. (4 KiB random reads are {@link Qcow2ReadBenchmark}'s.)
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(java.util.concurrent.TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class SequentialReadBenchmark {
    /** Size of the test disk in MiB, all of it data. */
    @Param("256")
    public int sizeMiB;

    private Path dir;
    private Image raw;
    private Image qcow2;
    private long size;
    private final ByteBuffer large = ByteBuffer.allocateDirect(1 << 20);
    private long sequential;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        dir = Files.createTempDirectory("platter-jmh");
        Path rawPath = dir.resolve("disk.raw");
        size = (long) sizeMiB << 20;
        Workload.generate(rawPath, size, size, 3);
        Path qcowPath = dir.resolve("disk.qcow2");
        Convert.run(ConvertOptions.builder(List.of(rawPath), qcowPath).sourceFormat("raw").targetFormat("qcow2")
                .build(), ProgressListener.NONE);
        raw = Images.open(rawPath, OpenOptions.readOnlyDefaults().withFormat("raw"));
        qcow2 = Images.open(qcowPath, OpenOptions.readOnlyDefaults().withFormat("qcow2"));
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        raw.close();
        qcow2.close();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private long nextSequential() {
        long pos = sequential;
        sequential = (sequential + large.capacity()) % size;
        return pos;
    }

    @Benchmark
    public ByteBuffer raw1mSequential() throws IOException {
        raw.read(nextSequential(), large.clear());
        return large;
    }

    @Benchmark
    public ByteBuffer qcow21mSequential() throws IOException {
        qcow2.read(nextSequential(), large.clear());
        return large;
    }
}
