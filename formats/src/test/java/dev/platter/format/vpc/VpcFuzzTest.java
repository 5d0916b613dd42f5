package dev.platter.format.vpc;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.platter.core.image.Image;
import dev.platter.core.image.ImageInfo;
import dev.platter.core.image.OpenOptions;
import dev.platter.core.image.ReferenceDeniedException;
import dev.platter.core.image.ReferenceResolver;
import dev.platter.core.image.capability.AzureUpload;
import dev.platter.core.storage.MemoryStorage;
import dev.platter.format.ReadInvariants;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Coverage-guided fuzzing of the VHD reader. {@link #openReadMapCheck}: the input is a whole image file (dynamic,
 * differencing with a parent locator, fixed), opened with no parent. The seeds (VpcFuzzTestInputs) are small disks
 * with 4 KiB blocks, so every structure sits in the first few KiB. Without JAZZER_FUZZ the seeds and past findings
 * replay as regression tests.
 *
 * <p>Any IOException is an acceptable answer to a damaged image; beyond "no crash" each input must keep the reader's
 * promises: reads fill exactly what was asked, mapping runs tile the disk, info gives the image's size, the Azure
 * verdict and the safety inspection answer, and the file is never changed.
 */
class VpcFuzzTest {
    private static final ReferenceResolver NO_OTHER_FILES = (referrer, reference, kind) -> {
        throw new ReferenceDeniedException(referrer, reference, kind, "the fuzz target opens no other file");
    };
    private static final OpenOptions OPTIONS = OpenOptions.readOnlyDefaults().withFormat("vpc")
            .withResolver(NO_OTHER_FILES).withOpenBacking(false);
    static final String[] SEEDS = {"dynamic", "differencing", "fixed"};

    @FuzzTest(maxDuration = "10m")
    void openReadMapCheck(byte[] file) throws IOException {
        MemoryStorage storage = new MemoryStorage("fuzz.vhd", file.length);
        storage.write(0, ByteBuffer.wrap(file));
        VpcFormat format = new VpcFormat();
        format.probe(ByteBuffer.wrap(file).asReadOnlyBuffer(), storage);
        format.unprobedSignature(storage);
        assertTrue(format.safetyFindings(storage) != null);
        try (Image image = format.open(storage, OPTIONS)) {
            ImageInfo info = image.info();
            assertEquals(image.size(), info.virtualSize(), "info's virtual size");
            ReadInvariants.readAndMap(image);
            image.capability(AzureUpload.class).orElseThrow().azureProblems();
        } catch (IOException expected) {
            // corrupt or unsupported: the answer to a damaged image
        }
        byte[] after = new byte[file.length];
        storage.readAt(0, ByteBuffer.wrap(after));
        assertArrayEquals(file, after, "a read-only open changed the file");
    }

    /** The seeds open cleanly, so that fuzzing starts from valid metadata. */
    @Test
    void seedsAreCleanImages() throws IOException {
        for (String seed : SEEDS) {
            byte[] file = seed(seed);
            MemoryStorage storage = new MemoryStorage(seed, file.length);
            storage.write(0, ByteBuffer.wrap(file));
            try (Image image = new VpcFormat().open(storage, OPTIONS)) {
                ReadInvariants.readAndMap(image);
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
        try (InputStream in = VpcFuzzTest.class.getResourceAsStream("VpcFuzzTestInputs/openReadMapCheck/" + name)) {
            return in.readAllBytes();
        }
    }

    /** How the committed seeds were made (kept so that they can be made again). */
    static byte[] makeSeed(String name) {
        TinyVhd t = new TinyVhd();
        t.size = 16384;
        t.blockSize = 4096;
        byte[] data = new byte[4096];
        Arrays.fill(data, (byte) 0x42);
        switch (name) {
            case "dynamic" -> t.block(0, data, null).block(2, data, null);
            case "differencing" -> {
                t.type = VhdDiskType.DIFFERENCING;
                t.parentId = new UUID(7, 8);
                t.parentName = "p.vhd";
                byte[] bitmap = new byte[512];
                bitmap[0] = (byte) 0xf0;
                t.locator("W2ru", ".\\p.vhd").block(1, data, bitmap);
            }
            case "fixed" -> {
                byte[] f = new byte[16384 + 512];
                Arrays.fill(f, 0, 4096, (byte) 0x42);
                byte[] footer = VhdFooter.create(VhdDiskType.FIXED, 16384, Geometry.MAX, true, new UUID(1, 2), 0)
                        .bytes();
                System.arraycopy(footer, 0, f, 16384, 512);
                return f;
            }
            default -> throw new IllegalArgumentException(name);
        }
        return t.build();
    }

    /** Writes the seeds (run by hand after changing {@link #makeSeed}). */
    public static void main(String[] args) throws IOException {
        java.nio.file.Path dir = java.nio.file.Path.of(args[0]);
        for (String seed : SEEDS) {
            java.nio.file.Files.write(dir.resolve(seed), makeSeed(seed));
        }
    }
}
