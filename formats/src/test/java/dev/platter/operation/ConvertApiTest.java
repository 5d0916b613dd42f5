package dev.platter.operation;

import dev.platter.core.Extent;
import dev.platter.core.ProgressListener;
import dev.platter.core.image.Image;
import dev.platter.core.image.Images;
import dev.platter.core.image.OpenOptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The conversion API on its own (no external tools): content, sparseness, determinism, progress, errors. */
class ConvertApiTest {
    @TempDir
    static Path dir;
    static Path src;
    static byte[] content;

    @BeforeAll
    static void source() throws Exception {
        src = dir.resolve("src.raw");
        content = new byte[9 << 20];
        Random r = new Random(7);
        byte[] chunk = new byte[300_000];
        r.nextBytes(chunk);
        System.arraycopy(chunk, 0, content, 100_000, chunk.length);
        byte[] text = "the quick brown fox jumps over the lazy dog ".repeat(30_000).getBytes();
        System.arraycopy(text, 0, content, 3 << 20, text.length);
        content[(8 << 20) + 17] = 5;
        try (RandomAccessFile f = new RandomAccessFile(src.toFile(), "rw")) {
            f.setLength(content.length);
            f.seek(100_000);
            f.write(content, 100_000, chunk.length);
            f.seek(3 << 20);
            f.write(text);
            f.seek(8 << 20);
            f.write(new byte[4096]);
            f.seek((8 << 20) + 17);
            f.write(5);
        }
    }

    private static byte[] readAll(Path image, String format) throws Exception {
        try (Image img = Images.open(image, OpenOptions.readOnlyDefaults().withFormat(format))) {
            return img.readBytes(0, (int) img.size());
        }
    }

    private static ConvertResult convert(Path target, String format, boolean compress, int workers)
            throws Exception {
        Files.deleteIfExists(target);
        return Convert.run(ConvertOptions.builder(List.of(src), target).sourceFormat("raw").targetFormat(format)
                .compress(compress).workers(workers).build(), ProgressListener.NONE);
    }

    @Test
    void rawToQcow2AndBackKeepsEveryByte() throws Exception {
        Path q = dir.resolve("a.qcow2");
        convert(q, "qcow2", false, 4);
        assertArrayEquals(content, readAll(q, "qcow2"));
        Path back = dir.resolve("back.raw");
        Files.deleteIfExists(back);
        Convert.run(ConvertOptions.builder(List.of(q), back).targetFormat("raw").build(), ProgressListener.NONE);
        assertArrayEquals(content, readAll(back, "raw"));
    }

    @Test
    void compressedTargetsReadBack() throws Exception {
        for (String type : new String[] {"zlib", "zstd"}) {
            Path q = dir.resolve("c-" + type + ".qcow2");
            Files.deleteIfExists(q);
            Convert.run(ConvertOptions.builder(List.of(src), q).sourceFormat("raw").targetFormat("qcow2")
                    .createOptions(Map.of("compression_type", type)).compress(true).build(), ProgressListener.NONE);
            assertArrayEquals(content, readAll(q, "qcow2"), type);
            assertTrue(Files.size(q) < 2 << 20, type + ": " + Files.size(q));
        }
    }

    @Test
    void outputIsTheSameOnEveryRunWithoutOutOfOrderWrites() throws Exception {
        for (boolean compress : new boolean[] {false, true}) {
            Path a = dir.resolve("d1.qcow2");
            Path b = dir.resolve("d2.qcow2");
            convert(a, "qcow2", compress, 1);
            convert(b, "qcow2", compress, 16);
            assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b), "compress " + compress);
        }
    }

    @Test
    void holesAndZeroDataAreNotAllocated() throws Exception {
        Path q = dir.resolve("sparse.qcow2");
        ConvertResult r = convert(q, "qcow2", false, 2);
        assertEquals(content.length, r.virtualSize());
        try (Image img = Images.open(q, OpenOptions.readOnlyDefaults().withFormat("qcow2"))) {
            long data = 0;
            for (long pos = 0; pos < img.size(); ) {
                Extent e = img.mapping(pos, img.size() - pos);
                if (e.status() == Extent.Status.DATA) {
                    data += e.length();
                }
                pos = e.end();
            }
            // The clusters the random bytes (100 000 + 300 000), the text and the lone byte at 8 MiB touch; the
            // written zeros around the lone byte and the holes take none.
            long clusters = (399_999 / 65536 - 100_000 / 65536 + 1) + (1_320_000 + 65535) / 65536 + 1;
            assertEquals(clusters * 65536, data);
        }
    }

    @Test
    void progressIsMonotonicAndEndsAtTheTotal() throws Exception {
        List<long[]> seen = new ArrayList<>();
        Path t = dir.resolve("p.raw");
        Files.deleteIfExists(t);
        Convert.run(ConvertOptions.builder(List.of(src, src), t).sourceFormat("raw").build(),
                (done, total) -> {
                    synchronized (seen) {
                        seen.add(new long[] {done, total});
                    }
                });
        assertTrue(seen.size() >= 2);
        for (int i = 1; i < seen.size(); i++) {
            assertTrue(seen.get(i)[0] >= seen.get(i - 1)[0]);
        }
        long[] last = seen.get(seen.size() - 1);
        assertEquals(last[1], last[0]);
        assertEquals(2L * content.length, Files.size(t));
    }

    @Test
    void badOptionsAreRefusedBeforeAnythingIsCreated() {
        Path t = dir.resolve("never.raw");
        assertThrows(IllegalArgumentException.class, () -> Convert.run(ConvertOptions.builder(List.of(src), t)
                .workers(0).build(), ProgressListener.NONE));
        assertThrows(IllegalArgumentException.class, () -> Convert.run(ConvertOptions.builder(List.of(src), t)
                .sparseSize(1000).build(), ProgressListener.NONE));
        assertThrows(IllegalArgumentException.class, () -> Convert.run(ConvertOptions.builder(List.of(src), t)
                .compress(true).build(), ProgressListener.NONE));
        assertTrue(!Files.exists(t));
    }
}
