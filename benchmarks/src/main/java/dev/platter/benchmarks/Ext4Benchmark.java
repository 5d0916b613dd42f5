package dev.platter.benchmarks;

import dev.platter.core.BlockDevice;
import dev.platter.core.image.Image;
import dev.platter.core.image.Images;
import dev.platter.core.image.OpenOptions;
import dev.platter.inspect.ext4.Ext4FileSystem;
import dev.platter.inspect.fs.DirEntry;
import dev.platter.inspect.fs.FsOptions;
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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The ext reader's hot paths on images from testdata/scripts/make-ext-images.sh (built in setup; needs
 * e2fsprogs): a cold open plus a path lookup (what every virt-style command starts with), statfs (df), a full
 * listing of a 2000-name directory, hashed lookups in a 100 000-name htree, and reading a 3 MiB file.
 * Run: {@code java -jar benchmarks/target/benchmarks.jar Ext4Benchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class Ext4Benchmark {
    private Path dir;
    private Image ext4;
    private Image bigdir;
    private Ext4FileSystem warm;
    private Ext4FileSystem warmBig;
    private long bigDirInode;
    private List<DirEntry> bigNames;
    private int next;
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 20);

    @Setup(Level.Trial)
    public void build() throws IOException, InterruptedException {
        dir = Files.createTempDirectory("ext4-bench");
        Path script = Path.of(System.getProperty("platter.root", ".")).resolve("testdata/scripts/make-ext-images.sh");
        Process p = new ProcessBuilder("bash", script.toString(), dir.toString(), "ext4", "htree-100k")
                .inheritIO().start();
        if (p.waitFor() != 0) {
            throw new IOException("image build failed (run from the repository root, or set -Dplatter.root)");
        }
        ext4 = Images.open(dir.resolve("ext4.img"), OpenOptions.readOnlyDefaults().withFormat("raw"));
        bigdir = Images.open(dir.resolve("htree-100k.img"), OpenOptions.readOnlyDefaults().withFormat("raw"));
        warm = Ext4FileSystem.open(ext4, FsOptions.defaults());
        warmBig = Ext4FileSystem.open(bigdir, FsOptions.defaults());
        bigDirInode = warmBig.lookup(2, bytes("big")).inode();
        bigNames = warmBig.list(bigDirInode);
    }

    @TearDown(Level.Trial)
    public void clean() throws IOException, InterruptedException {
        ext4.close();
        bigdir.close();
        new ProcessBuilder("rm", "-rf", dir.toString()).start().waitFor();
    }

    /** Open (superblock only) and resolve /etc/os-release: the start of every command. */
    @Benchmark
    public long coldOpenAndLookup() throws IOException {
        Ext4FileSystem fs = Ext4FileSystem.open(ext4, FsOptions.defaults());
        long etc = fs.lookup(fs.rootInode(), bytes("etc")).inode();
        return fs.stat(fs.lookup(etc, bytes("os-release")).inode()).size();
    }

    @Benchmark
    public long coldStatfs() throws IOException {
        return Ext4FileSystem.open(ext4, FsOptions.defaults()).statfs().freeBlocks();
    }

    @Benchmark
    public int list2000() throws IOException {
        long dirs = warm.lookup(2, bytes("dirs")).inode();
        return warm.list(warm.lookup(dirs, bytes("d2000")).inode()).size();
    }

    @Benchmark
    public long hashedLookupIn100k() throws IOException {
        DirEntry e = bigNames.get(next++ % bigNames.size());
        return warmBig.lookup(bigDirInode, e.rawName()).inode();
    }

    @Benchmark
    public long read3MiB() throws IOException {
        long files = warm.lookup(2, bytes("files")).inode();
        BlockDevice f = warm.open(warm.lookup(files, bytes("big.bin")).inode());
        long total = 0;
        for (long pos = 0; pos < f.size(); pos += buffer.capacity()) {
            buffer.clear().limit((int) Math.min(buffer.capacity(), f.size() - pos));
            f.read(pos, buffer);
            total += buffer.position();
        }
        return total;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
