package dev.platter.format.raw;

import dev.platter.core.Extent;
import dev.platter.core.ReadOnlyDeviceException;
import dev.platter.core.image.CreateOptions;
import dev.platter.core.image.Image;
import dev.platter.core.image.Images;
import dev.platter.core.image.OpenOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RawFormatTest {
    @TempDir
    Path dir;

    private final RawFormat raw = new RawFormat();

    @Test
    void createIsSparseAndRoundsToASector() throws IOException {
        Path f = dir.resolve("a.raw");
        raw.create(f, 1000, CreateOptions.none());
        assertEquals(1024, Files.size(f));
        raw.create(f, 10L << 30, CreateOptions.none());
        assertEquals(10L << 30, Files.size(f));
        try (Image img = Images.open(f, OpenOptions.readOnlyDefaults())) {
            assertEquals("raw", img.formatName());
            assertEquals(10L << 30, img.size());
            Long actual = img.info().actualSize();
            assertTrue(actual == null || actual <= 8192, "sparse, only the first block written: " + actual);
        }
    }

    @Test
    void preallocationFullWritesEveryByte() throws IOException {
        Path f = dir.resolve("full.raw");
        raw.create(f, 1 << 20, CreateOptions.of(Map.of("preallocation", "full")));
        try (Image img = Images.open(f, OpenOptions.readOnlyDefaults().withFormat("raw"))) {
            Extent e = img.mapping(0, Long.MAX_VALUE);
            assertEquals(Extent.Status.DATA, e.status());
            assertEquals(1 << 20, e.length());
        }
        raw.create(dir.resolve("falloc.raw"), 1 << 20, CreateOptions.of(Map.of("preallocation", "falloc")));
        assertEquals(1 << 20, Files.size(dir.resolve("falloc.raw")));
    }

    @Test
    void refusesUnknownOptionsWithQemuMessages() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> raw.create(dir.resolve("x"), 1, CreateOptions.of(Map.of("bogus", "1"))));
        assertEquals("Invalid parameter 'bogus'", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> raw.create(dir.resolve("x"), 1, CreateOptions.of(Map.of("preallocation", "metadata"))));
        assertEquals("invalid parameter value: metadata", e.getMessage());
    }

    @Test
    void writesReadBackAndZeroesMakeHoles() throws IOException {
        Path f = dir.resolve("rw.raw");
        raw.create(f, 4 << 20, CreateOptions.none());
        try (Image img = Images.open(f, OpenOptions.readWriteDefaults().withFormat("raw"))) {
            byte[] data = new byte[1 << 20];
            java.util.Arrays.fill(data, (byte) 9);
            img.write(1 << 20, ByteBuffer.wrap(data));
            assertArrayEquals(data, img.readBytes(1 << 20, 1 << 20));
            img.writeZeroes(1 << 20, 1 << 20);
            assertArrayEquals(new byte[1 << 20], img.readBytes(1 << 20, 1 << 20));
            img.flush();
        }
    }

    @Test
    void oddSizedFilesReadZerosToTheSector() throws IOException {
        Path f = dir.resolve("odd");
        Files.write(f, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9});
        try (Image img = Images.open(f, OpenOptions.readOnlyDefaults().withFormat("raw"))) {
            assertEquals(512, img.size());
            byte[] b = img.readBytes(0, 512);
            assertEquals(9, b[8]);
            assertEquals(0, b[9]);
            assertThrows(ReadOnlyDeviceException.class, () -> img.write(0, ByteBuffer.allocate(1)));
        }
    }

    @Test
    void resizeNeedsShrinkToShrink() throws IOException {
        Path f = dir.resolve("r.raw");
        raw.create(f, 1 << 20, CreateOptions.none());
        try (Image img = Images.open(f, OpenOptions.readWriteDefaults().withFormat("raw"))) {
            img.resize(2 << 20, false);
            assertEquals(2 << 20, img.size());
            assertThrows(IOException.class, () -> img.resize(1 << 19, false));
            img.resize(1 << 19, true);
            assertEquals(1 << 19, img.size());
        }
        assertEquals(1 << 19, Files.size(f));
    }

    @Test
    void probingFallsBackToRaw() throws IOException {
        Path f = dir.resolve("anything");
        Files.writeString(f, "{\"a\": 1}");
        try (Image img = Images.open(f, OpenOptions.readOnlyDefaults())) {
            assertEquals("raw", img.formatName());
        }
    }
}
