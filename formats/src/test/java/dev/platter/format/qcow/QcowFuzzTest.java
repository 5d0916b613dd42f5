package dev.platter.format.qcow;

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
 * Coverage-guided fuzzing of the qcow (version 1) reader: the input is a whole image file (a backing file it names
 * is refused by the gate). Any IOException is an acceptable answer; beyond "no crash" each input must keep the
 * reader's promises ({@link ReadInvariants}) and stay unchanged. Seeds (QcowFuzzTestInputs) are {@link TinyQcow}
 * images.
 */
class QcowFuzzTest {
    private static final ReferenceResolver NO_OTHER_FILES = (referrer, reference, kind) -> {
        throw new ReferenceDeniedException(referrer, reference, kind, "the fuzz target opens no other file");
    };
    private static final OpenOptions OPTIONS = OpenOptions.readOnlyDefaults().withFormat("qcow")
            .withResolver(NO_OTHER_FILES);
    static final String[] SEEDS = {"plain-and-compressed", "backing"};

    @FuzzTest(maxDuration = "10m")
    void openReadMap(byte[] file) throws IOException {
        MemoryStorage storage = new MemoryStorage("fuzz.qcow", file.length);
        storage.write(0, ByteBuffer.wrap(file));
        QcowFormat format = new QcowFormat();
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
            try (Image image = new QcowFormat().open(storage, OPTIONS.withOpenBacking(false))) {
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
        try (InputStream in = QcowFuzzTest.class.getResourceAsStream("QcowFuzzTestInputs/openReadMap/" + name)) {
            assertTrue(in != null, name);
            return in.readAllBytes();
        }
    }

    /** How the committed seeds were made (kept so that they can be made again). */
    static byte[] makeSeed(String name) {
        TinyQcow t = new TinyQcow();
        switch (name) {
            case "plain-and-compressed" -> t.l2 = new int[] {1, 0, -1};
            case "backing" -> {
                t.l2 = new int[] {0, 1};
                t.backing = "base.raw";
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
