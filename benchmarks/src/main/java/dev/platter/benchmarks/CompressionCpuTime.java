package dev.platter.benchmarks;

import dev.platter.format.qcow2.ClusterCompressor;
import dev.platter.format.qcow2.CompressionType;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU time to compress a whole file cluster by cluster on one thread, and the compressed size: comparable with
 * the user time of {@code qemu-img convert -c} on the same file even on a busy machine (wall time is not).
 *
 * <p>{@code java -cp benchmarks/target/benchmarks.jar dev.platter.benchmarks.CompressionCpuTime FILE [zlib|zstd]}
 * (add {@code -Dplatter.zlib.pure-java=true} for the fallback encoder).
 */
public final class CompressionCpuTime {
    private CompressionCpuTime() {
    }

    public static void main(String[] args) throws Exception {
        byte[] data = Files.readAllBytes(Path.of(args[0]));
        CompressionType type = args.length > 1 && args[1].equals("zstd") ? CompressionType.ZSTD : CompressionType.ZLIB;
        ClusterCompressor c = type.compressor(65536);
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        for (int round = 0; round < 3; round++) {
            long t0 = mx.getCurrentThreadCpuTime();
            long out = 0;
            for (int off = 0; off + 65536 <= data.length; off += 65536) {
                ByteBuffer z = c.compress(ByteBuffer.wrap(data, off, 65536));
                out += z == null ? 65536 : z.remaining();
            }
            System.out.printf("%s: %.2f s CPU, %d bytes compressed%n", type.qemuName(),
                    (mx.getCurrentThreadCpuTime() - t0) / 1e9, out);
        }
    }
}
