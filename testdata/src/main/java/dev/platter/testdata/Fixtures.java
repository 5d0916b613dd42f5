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

    /**
     * Expands an encrypted guest disk made by make-guest-luks.sh ({@code guest-luks1.raw}, {@code guest-luks2.raw}):
     * its clear-text form {@code NAME.plain.raw}, then its LUKS payload encrypted again from the recipe
     * {@code NAME.luks} and checked against the SHA-256 of the disk cryptsetup and dm-crypt wrote
     * ({@link LuksFixtures}). Returns {@code dir}/{@code name}.
     */
    public static Path expandLuks(String name, Path dir) {
        String base = name.endsWith(".raw") ? name.substring(0, name.length() - 4) : name;
        try (InputStream recipe = Fixtures.class.getResourceAsStream("/fixtures/" + base + ".luks")) {
            if (recipe == null) {
                throw new IOException("no recipe " + base + ".luks under testdata/fixtures");
            }
            LuksFixtures.Recipe r = LuksFixtures.Recipe.parse(new String(recipe.readAllBytes(),
                    java.nio.charset.StandardCharsets.UTF_8));
            Path plain = expand(base + ".plain.raw", dir);
            LuksFixtures.encrypt(plain, r);
            return Files.move(plain, dir.resolve(name), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot rebuild fixture " + name, e);
        }
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
