package dev.platter.testdata;

import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The committed test fixtures (testdata/fixtures, on the class path as /fixtures/NAME.xz or .gz), expanded on
 * demand. Expansion keeps runs of zeros as holes, so a fixture that expands to a big sparse disk costs little.
 */
public final class Fixtures {
    private static final int BLOCK = 4096;

    private Fixtures() {
    }

    /** True when the fixture is on the class path. */
    public static boolean exists(String name) {
        return Fixtures.class.getResource("/fixtures/" + name + ".xz") != null
                || Fixtures.class.getResource("/fixtures/" + name + ".gz") != null;
    }

    /** Expands fixture {@code name} into {@code dir}/{@code name} (sparse) and returns that path. */
    public static Path expand(String name, Path dir) {
        Path target = dir.resolve(name);
        try (InputStream in = open(name);
             FileChannel out = FileChannel.open(target, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                     StandardOpenOption.TRUNCATE_EXISTING)) {
            byte[] block = new byte[BLOCK];
            long pos = 0;
            while (true) {
                int n = in.readNBytes(block, 0, BLOCK);
                if (n <= 0) {
                    break;
                }
                if (!isZero(block, n)) {
                    ByteBuffer buf = ByteBuffer.wrap(block, 0, n);
                    while (buf.hasRemaining()) {
                        out.write(buf, pos + buf.position());
                    }
                }
                pos += n;
            }
            out.truncate(pos);
            if (out.size() < pos) {
                // Trailing zeros: extend with a hole.
                try (var raf = new java.io.RandomAccessFile(target.toFile(), "rw")) {
                    raf.setLength(pos);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot expand fixture " + name, e);
        }
        return target;
    }

    private static InputStream open(String name) throws IOException {
        InputStream xz = Fixtures.class.getResourceAsStream("/fixtures/" + name + ".xz");
        if (xz != null) {
            return new XZCompressorInputStream(new java.io.BufferedInputStream(xz));
        }
        InputStream gz = Fixtures.class.getResourceAsStream("/fixtures/" + name + ".gz");
        if (gz != null) {
            return new GzipCompressorInputStream(new java.io.BufferedInputStream(gz));
        }
        throw new IOException("no fixture " + name + " (.xz or .gz) under testdata/fixtures");
    }

    private static boolean isZero(byte[] b, int n) {
        for (int i = 0; i < n; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return true;
    }

    /** A temp folder under the build directory (kept out of /tmp's small tmpfs on some machines). */
    public static Path tempDir(String prefix) throws IOException {
        return Files.createTempDirectory(prefix);
    }
}
