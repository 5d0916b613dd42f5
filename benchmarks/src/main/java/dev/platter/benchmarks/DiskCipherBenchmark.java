package dev.platter.benchmarks;

import dev.platter.core.crypto.CipherSpec;
import dev.platter.core.crypto.HashAlgorithm;
import dev.platter.core.crypto.Pbkdf2;
import dev.platter.core.crypto.SectorCipher;
import dev.platter.core.crypto.UnsupportedCipherException;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * The disk cipher alone, one thread: 1 MiB of 512-byte sectors encrypted and decrypted in place (MB/s = ops/s), for
 * the modes LUKS volumes use, and PBKDF2-SHA256 (the cost of every key slot tried).
 *
 * <p>{@code java -jar benchmarks/target/benchmarks.jar DiskCipherBenchmark}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class DiskCipherBenchmark {
    @Param({"aes-256-xts-plain64", "aes-128-cbc-essiv"})
    public String cipher;
    private final byte[] buf = new byte[1 << 20];
    private SectorCipher sectors;
    private long sector;

    @Setup
    public void setUp() throws UnsupportedCipherException {
        CipherSpec spec = cipher.startsWith("aes-256-xts") ? CipherSpec.fromQemu("aes-256", "xts", "plain64", null)
                : CipherSpec.fromQemu("aes-128", "cbc", "essiv", "sha256");
        byte[] key = new byte[spec.masterKeyBytes()];
        new Random(1).nextBytes(key);
        new Random(2).nextBytes(buf);
        sectors = spec.newCipher(key, 512);
    }

    @TearDown
    public void tearDown() {
        sectors.close();
    }

    @Benchmark
    public byte encryptOneMiB() {
        sectors.encrypt(sector += 2048, buf, 0, buf.length);
        return buf[0];
    }

    @Benchmark
    public byte decryptOneMiB() {
        sectors.decrypt(sector += 2048, buf, 0, buf.length);
        return buf[0];
    }

    /** 10,000 PBKDF2-HMAC-SHA256 iterations (ops/s x 10,000 = iterations per second). */
    @Benchmark
    public byte[] pbkdf2TenThousand() {
        return Pbkdf2.derive(HashAlgorithm.SHA256, buf, new byte[32], 10_000, 32);
    }
}
