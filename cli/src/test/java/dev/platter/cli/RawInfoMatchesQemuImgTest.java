package dev.platter.cli;

import dev.platter.testdata.RequiresTool;
import dev.platter.testdata.Tool;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@code platter info} on raw files prints exactly what qemu-img info prints. */
@RequiresTool("qemu-img")
class RawInfoMatchesQemuImgTest {
    @TempDir
    Path dir;

    private Path make(String kind) throws Exception {
        Path f = dir.resolve(kind + ".raw");
        switch (kind) {
            case "sparse" -> {
                try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
                    raf.setLength(100L << 20);
                    raf.seek(10L << 20);
                    raf.write(new byte[1200128]);
                    raf.seek(0);
                    byte[] random = new byte[4 << 20];
                    new Random(1).nextBytes(random);
                    raf.write(random);
                }
            }
            case "dense" -> {
                byte[] b = new byte[3 << 20];
                new Random(2).nextBytes(b);
                Files.write(f, b);
            }
            case "odd" -> Files.write(f, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9});
            case "empty" -> Files.write(f, new byte[0]);
            case "huge" -> {
                try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
                    raf.setLength(3L << 40);
                }
            }
            default -> throw new IllegalArgumentException(kind);
        }
        return f;
    }

    @ParameterizedTest
    @ValueSource(strings = {"sparse", "dense", "odd", "empty", "huge"})
    void jsonIsByteIdentical(String kind) throws Exception {
        String f = make(kind).toString();
        String qemu = Tool.run("qemu-img", "info", "--output=json", "-f", "raw", f).ok().stdout();
        Cli.Result ours = Cli.run("info", "--output=json", "-f", "raw", f);
        assertEquals(0, ours.exit(), ours.err());
        assertEquals(qemu, ours.out());
    }

    @ParameterizedTest
    @ValueSource(strings = {"sparse", "dense", "odd", "empty", "huge"})
    void humanIsByteIdentical(String kind) throws Exception {
        String f = make(kind).toString();
        String qemu = Tool.run("qemu-img", "info", f).ok().stdout();
        Cli.Result ours = Cli.run("info", f);
        assertEquals(0, ours.exit(), ours.err());
        assertEquals(qemu, ours.out());
    }
}
