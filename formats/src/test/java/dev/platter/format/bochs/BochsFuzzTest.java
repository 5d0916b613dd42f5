package dev.platter.format.bochs;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.platter.core.image.Image;
import dev.platter.core.image.ImageInfo;
import dev.platter.core.image.OpenOptions;
import dev.platter.core.storage.MemoryStorage;
import dev.platter.format.ReadInvariants;
import dev.platter.testdata.BochsFixtures;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Coverage-guided fuzzing of the Bochs reader: the input is a whole image file. Any IOException is an acceptable
 * answer; beyond "no crash" each input must keep the reader's promises ({@link ReadInvariants}) and stay unchanged.
 * The seed (BochsFuzzTestInputs) is a {@link BochsFixtures} redolog with 512-byte extents.
 */
class BochsFuzzTest {
    static final String[] SEEDS = {"redolog"};

    @FuzzTest(maxDuration = "10m")
    void openReadMap(byte[] file) throws IOException {
        MemoryStorage storage = new MemoryStorage("fuzz.bochs", file.length);
        storage.write(0, ByteBuffer.wrap(file));
        BochsFormat format = new BochsFormat();
        format.probe(ByteBuffer.wrap(file).asReadOnlyBuffer(), storage);
        try (Image image = format.open(storage, OpenOptions.readOnlyDefaults().withFormat("bochs"))) {
            ImageInfo info = image.info();
            assertEquals(image.size(), info.virtualSize(), "info's virtual size");
            ReadInvariants.readAndMap(image);
        } catch (IOException expected) {
            // corrupt
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
            try (Image image = new BochsFormat().open(storage, OpenOptions.readOnlyDefaults())) {
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
        try (InputStream in = BochsFuzzTest.class.getResourceAsStream("BochsFuzzTestInputs/openReadMap/" + name)) {
            assertTrue(in != null, name);
            return in.readAllBytes();
        }
    }

    /** How the committed seeds were made (kept so that they can be made again). */
    static byte[] makeSeed(String name) {
        if (!name.equals("redolog")) {
            throw new IllegalArgumentException(name);
        }
        return BochsFixtures.redolog(512, 3, new byte[] {1}, null, new byte[] {1});
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
