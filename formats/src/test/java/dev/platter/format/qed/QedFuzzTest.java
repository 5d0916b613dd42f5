package dev.platter.format.qed;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.platter.core.image.Image;
import dev.platter.core.image.ImageInfo;
import dev.platter.core.image.OpenOptions;
import dev.platter.core.image.ReferenceDeniedException;
import dev.platter.core.image.ReferenceResolver;
import dev.platter.core.storage.MemoryStorage;
import dev.platter.format.ReadInvariants;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Coverage-guided fuzzing of the QED reader: the input is a whole image file (a backing file it names is refused
 * by the gate). Any IOException is an acceptable answer; beyond "no crash" each input must keep the reader's
 * promises ({@link ReadInvariants}) and stay unchanged. Seeds (QedFuzzTestInputs) are {@link TinyQed} images.
 */
class QedFuzzTest {
    private static final ReferenceResolver NO_OTHER_FILES = (referrer, reference, kind) -> {
        throw new ReferenceDeniedException(referrer, reference, kind, "the fuzz target opens no other file");
    };
    private static final OpenOptions OPTIONS = OpenOptions.readOnlyDefaults().withFormat("qed")
            .withResolver(NO_OTHER_FILES).withMetadataCacheBytes(1 << 16);
    static final String[] SEEDS = {"plain", "zero-and-unallocated", "backing"};

    @FuzzTest(maxDuration = "10m")
    void openReadMap(byte[] file) throws IOException {
        MemoryStorage storage = new MemoryStorage("fuzz.qed", file.length);
        storage.write(0, ByteBuffer.wrap(file));
        QedFormat format = new QedFormat();
        format.probe(ByteBuffer.wrap(file).asReadOnlyBuffer(), storage);
        try (Image image = format.open(storage, OPTIONS)) {
            ImageInfo info = image.info();
            assertEquals(image.size(), info.virtualSize(), "info's virtual size");
            ReadInvariants.readAndMap(image);
        } catch (IOException expected) {
            // corrupt, unsupported or a refused reference
        }
        byte[] after = new byte[file.length];
        storage.readAt(0, ByteBuffer.wrap(after));
        assertArrayEquals(file, after, "a read-only open changed the file");
    }

    @Test
    void seedsOpen() throws IOException {
        for (String seed : SEEDS) {
            byte[] file = seed(seed);
            MemoryStorage storage = new MemoryStorage(seed, file.length);
            storage.write(0, ByteBuffer.wrap(file));
            try (Image image = new QedFormat().open(storage, OPTIONS.withOpenBacking(false))) {
                ReadInvariants.readAndMap(image);
            }
            openReadMap(file);
        }
    }

    @Test
    void seedsAreUpToDate() throws IOException {
        for (String seed : SEEDS) {
            assertArrayEquals(makeSeed(seed), seed(seed), seed);
        }
    }

    static byte[] seed(String name) throws IOException {
        try (InputStream in = QedFuzzTest.class.getResourceAsStream("QedFuzzTestInputs/openReadMap/" + name)) {
            assertTrue(in != null, name);
            return in.readAllBytes();
        }
    }

    /** How the committed seeds were made (kept so that they can be made again). */
    static byte[] makeSeed(String name) {
        TinyQed t = new TinyQed();
        switch (name) {
            case "plain" -> t.l2 = new int[] {5};
            case "zero-and-unallocated" -> t.l2 = new int[] {0, -1, 5, -1};
            case "backing" -> {
                t.l2 = new int[] {0, 5};
                t.backing = "base.raw";
                t.features = QedHeader.F_BACKING_FORMAT_NO_PROBE;
            }
            default -> throw new IllegalArgumentException(name);
        }
        return t.build();
    }

    /** Writes the seeds into the source tree: run by hand after changing {@link #makeSeed}. */
    public static void main(String[] args) throws IOException {
        java.nio.file.Path dir = java.nio.file.Path.of(args[0]);
        java.nio.file.Files.createDirectories(dir);
        for (String seed : SEEDS) {
            java.nio.file.Files.write(dir.resolve(seed), makeSeed(seed));
        }
    }
}
