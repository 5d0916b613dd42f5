package dev.platter.format.vdi;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.platter.core.image.Image;
import dev.platter.core.image.ImageCheck;
import dev.platter.core.image.ImageInfo;
import dev.platter.core.image.OpenOptions;
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
 * Coverage-guided fuzzing of the VDI reader and writer. The input is a whole image file: opened read-only it must
 * keep the reader's promises (reads fill exactly what was asked, mapping runs tile the disk, info gives the size,
 * check answers) and stay unchanged; opened read-write, a write of a sector and a flush either work and read back,
 * or end in an IOException. The seeds (VdiFuzzTestInputs) are tiny images whose allocated blocks keep only their
 * first sector in the file. Without JAZZER_FUZZ the seeds and past findings replay as regression tests.
 */
class VdiFuzzTest {
    static final String[] SEEDS = {"dynamic", "static", "discarded"};

    @FuzzTest(maxDuration = "10m")
    void openReadMapCheck(byte[] file) throws IOException {
        MemoryStorage storage = new MemoryStorage("fuzz.vdi", file.length);
        storage.write(0, ByteBuffer.wrap(file));
        VdiFormat format = new VdiFormat();
        format.probe(ByteBuffer.wrap(file).asReadOnlyBuffer(), storage);
        try (Image image = format.open(storage, OpenOptions.readOnlyDefaults().withFormat("vdi"))) {
            ImageInfo info = image.info();
            assertEquals(image.size(), info.virtualSize(), "info's virtual size");
            ReadInvariants.readAndMap(image);
            image.check(ImageCheck.Repair.NONE);
        } catch (IOException expected) {
            // corrupt or unsupported: the answer to a damaged image
        }
        byte[] after = new byte[file.length];
        storage.readAt(0, ByteBuffer.wrap(after));
        assertArrayEquals(file, after, "a read-only open changed the file");

        MemoryStorage writable = new MemoryStorage("fuzz-rw.vdi", file.length);
        writable.write(0, ByteBuffer.wrap(file));
        try (Image image = format.open(writable, OpenOptions.readWriteDefaults().withFormat("vdi"))) {
            if (image.size() >= 512) {
                long at = image.size() / 2 / 512 * 512;
                byte[] sector = new byte[512];
                java.util.Arrays.fill(sector, (byte) 0x6b);
                image.write(at, ByteBuffer.wrap(sector));
                image.flush();
                assertArrayEquals(sector, image.readBytes(at, 512), "a written sector reads back");
            }
        } catch (IOException expected) {
            // damaged beyond writing
        }
    }

    /** The seeds open cleanly and check clean, so that fuzzing starts from valid metadata. */
    @Test
    void seedsAreCleanImages() throws IOException {
        for (String seed : SEEDS) {
            byte[] file = seed(seed);
            MemoryStorage storage = new MemoryStorage(seed, file.length);
            storage.write(0, ByteBuffer.wrap(file));
            try (Image image = new VdiFormat().open(storage, OpenOptions.readOnlyDefaults())) {
                assertEquals(0, image.check(ImageCheck.Repair.NONE).corruptions(), seed);
            }
            openReadMapCheck(file);
        }
    }

    /** The committed seeds are what {@link #makeSeed} makes. */
    @Test
    void seedsAreUpToDate() throws IOException {
        for (String seed : SEEDS) {
            assertArrayEquals(makeSeed(seed), seed(seed), seed);
        }
    }

    static byte[] seed(String name) throws IOException {
        try (InputStream in = VdiFuzzTest.class.getResourceAsStream("VdiFuzzTestInputs/openReadMapCheck/" + name)) {
            assertTrue(in != null, name);
            return in.readAllBytes();
        }
    }

    /** How the committed seeds were made (kept so that they can be made again). */
    static byte[] makeSeed(String name) {
        TinyVdi t = new TinyVdi();
        switch (name) {
            case "dynamic" -> t.entries = new int[] {-1, 0, -1};
            case "static" -> {
                t.fixed = true;
                t.diskSize = 1 << 20;
                t.entries = new int[] {0};
            }
            case "discarded" -> {
                t.diskSize = (2 << 20) - 512;
                t.entries = new int[] {-2, 0};
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
