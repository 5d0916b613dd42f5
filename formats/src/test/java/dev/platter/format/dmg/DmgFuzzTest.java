package dev.platter.format.dmg;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.platter.core.image.Image;
import dev.platter.core.image.ImageInfo;
import dev.platter.core.image.OpenOptions;
import dev.platter.core.storage.MemoryStorage;
import dev.platter.format.ReadInvariants;
import dev.platter.testdata.DmgFixtures;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Coverage-guided fuzzing of the DMG reader: the input is a whole image file (trailer, property list or resource
 * fork, chunks). Any IOException is an acceptable answer; beyond "no crash" each input must keep the reader's
 * promises ({@link ReadInvariants}) and stay unchanged. Seeds (DmgFuzzTestInputs) are {@link DmgFixtures} images.
 */
class DmgFuzzTest {
    static final String[] SEEDS = {"plist", "resource-fork"};

    @FuzzTest(maxDuration = "10m")
    void openReadMap(byte[] file) throws IOException {
        MemoryStorage storage = new MemoryStorage("fuzz.dmg", file.length);
        storage.write(0, ByteBuffer.wrap(file));
        DmgFormat format = new DmgFormat();
        format.probe(ByteBuffer.wrap(file).asReadOnlyBuffer(), storage);
        try (Image image = format.open(storage, OpenOptions.readOnlyDefaults().withFormat("dmg"))) {
            ImageInfo info = image.info();
            assertEquals(image.size(), info.virtualSize(), "info's virtual size");
            ReadInvariants.readAndMap(image);
        } catch (IOException expected) {
            // corrupt or unsupported
        }
        byte[] after = new byte[file.length];
        storage.readAt(0, ByteBuffer.wrap(after));
        assertArrayEquals(file, after, "a read-only open changed the file");
    }

    @Test
    void seedsOpen() throws IOException {
        for (String seed : SEEDS) {
            byte[] file = seed(seed);
            try (Image image = DmgReaderTest.open(file)) {
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
        try (InputStream in = DmgFuzzTest.class.getResourceAsStream("DmgFuzzTestInputs/openReadMap/" + name)) {
            assertTrue(in != null, name);
            return in.readAllBytes();
        }
    }

    /** How the committed seeds were made (kept so that they can be made again). */
    static byte[] makeSeed(String name) {
        return switch (name) {
            case "plist" -> DmgFixtures.image(false, DmgFixtures.ZLIB, DmgFixtures.ZERO, DmgFixtures.BZIP2);
            case "resource-fork" -> DmgFixtures.image(true, DmgFixtures.RAW, DmgFixtures.IGNORE);
            default -> throw new IllegalArgumentException(name);
        };
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
