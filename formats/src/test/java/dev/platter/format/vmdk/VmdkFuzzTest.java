package dev.platter.format.vmdk;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.platter.core.CorruptImageException;
import dev.platter.core.image.Image;
import dev.platter.core.image.ImageCheck;
import dev.platter.core.image.ImageInfo;
import dev.platter.core.image.OpenOptions;
import dev.platter.core.image.ReferenceDeniedException;
import dev.platter.core.image.ReferenceResolver;
import dev.platter.core.storage.MemoryStorage;
import dev.platter.format.ReadInvariants;
import dev.platter.testdata.VmdkFixtures;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Coverage-guided fuzzing of the VMDK parsers. {@link #openReadMapCheck}: the input is a whole image file (a hosted
 * sparse extent, plain or stream-optimized with markers and a footer, an ESX COWD extent, or a descriptor, whose
 * extent files are refused); {@link #descriptorText}: the input is descriptor text, through every key and extent line
 * rule; {@link #seSparseExtent}: the input is a seSparse extent, named by a fixed descriptor. The seeds
 * (VmdkFuzzTestInputs) are small images with 2 KiB grains and 4-entry grain tables (seSparse: its fixed 4 KiB grains
 * and one 32 KiB grain table), so every structure sits in the first few KiB. Without JAZZER_FUZZ the seeds and past findings replay as regression tests.
 *
 * <p>Any IOException is an acceptable answer to a damaged image; beyond "no crash" each input must keep the reader's
 * promises: reads fill exactly what was asked, mapping runs tile the disk, info gives the image's size, the safety
 * inspection answers, and the file is never changed.
 */
class VmdkFuzzTest {
    private static final ReferenceResolver NO_OTHER_FILES = (referrer, reference, kind) -> {
        throw new ReferenceDeniedException(referrer, reference, kind, "the fuzz target opens no other file");
    };
    private static final OpenOptions OPTIONS = OpenOptions.readOnlyDefaults().withFormat("vmdk")
            .withResolver(NO_OTHER_FILES).withOpenBacking(false).withMetadataCacheBytes(1 << 16);
    static final String[] SEEDS = {"sparse-v1", "zeroed-grain-v2", "stream", "stream-footer", "cowd",
        "descriptor-flat", "descriptor-two-gb", "sesparse"};

    @FuzzTest(maxDuration = "10m")
    void openReadMapCheck(byte[] file) throws IOException {
        MemoryStorage storage = new MemoryStorage("fuzz.vmdk", file.length);
        storage.write(0, ByteBuffer.wrap(file));
        VmdkFormat format = new VmdkFormat();
        format.probe(ByteBuffer.wrap(file).asReadOnlyBuffer(), storage);
        assertTrue(format.safetyFindings(storage) != null);
        try (Image image = format.open(storage, OPTIONS)) {
            exercise(image);
        } catch (IOException expected) {
            // corrupt, unsupported or a refused reference: the answer to a damaged image
        }
        byte[] after = new byte[file.length];
        storage.readAt(0, ByteBuffer.wrap(after));
        assertArrayEquals(file, after, "a read-only open changed the file");
    }

    @FuzzTest(maxDuration = "10m")
    void descriptorText(byte[] text) {
        try {
            Descriptor d = Descriptor.of(text, text.length, "fuzz descriptor", 0);
            d.createType();
            for (ExtentLine line : d.extents()) {
                assertTrue(line.sectors() > 0, line.toString());
                assertTrue(!line.type().equals(ExtentLine.FLAT) || line.offset() >= 0, line.toString());
            }
        } catch (CorruptImageException expected) {
            // not a descriptor qemu would open
        }
        String area = Descriptor.keyArea(text, Math.min(text.length, Descriptor.KEY_AREA));
        Long cid = Descriptor.cid(area, false);
        assertTrue(cid == null || (cid >= 0 && cid <= 0xffffffffL));
        try {
            Descriptor.parentHint(area, "fuzz descriptor", 0);
        } catch (CorruptImageException expected) {
            // an unterminated or too long name
        }
    }

    /**
     * The input is a seSparse extent file, which only a descriptor can name: the descriptor is fixed, and the gate
     * hands the input in as the extent.
     */
    @FuzzTest(maxDuration = "10m")
    void seSparseExtent(byte[] file) throws IOException {
        MemoryStorage extent = new MemoryStorage("fuzz-sesparse.vmdk", file.length);
        extent.write(0, ByteBuffer.wrap(file));
        ReferenceResolver handsIn = new ReferenceResolver() {
            @Override
            public java.nio.file.Path resolve(java.nio.file.Path referrer, String reference,
                                              dev.platter.core.image.ReferenceKind kind) {
                return java.nio.file.Path.of(reference);
            }

            @Override
            public dev.platter.core.storage.Storage openFile(java.nio.file.Path referrer, String reference,
                    dev.platter.core.image.ReferenceKind kind, String shown, boolean readOnly) {
                return extent;
            }
        };
        byte[] text = TinyVmdk.descriptor("seSparse", "SESPARSE", "fuzz-sesparse.vmdk", 64, "")
                .getBytes(StandardCharsets.US_ASCII);
        MemoryStorage descriptor = new MemoryStorage("fuzz.vmdk", text.length);
        descriptor.write(0, ByteBuffer.wrap(text));
        try (Image image = new VmdkFormat().open(descriptor, OPTIONS.withResolver(handsIn))) {
            exercise(image);
        } catch (IOException expected) {
            // corrupt or unsupported
        }
    }

    /** The seeds open cleanly, and those that are disks check clean, so that fuzzing starts from valid metadata. */
    @Test
    void seedsAreCleanImages() throws IOException {
        for (String seed : SEEDS) {
            byte[] file = seed(seed);
            MemoryStorage storage = new MemoryStorage(seed, file.length);
            storage.write(0, ByteBuffer.wrap(file));
            if (seed.startsWith("descriptor")) {
                descriptorText(file);
                continue;
            }
            if (seed.equals("sesparse")) {
                seSparseExtent(file);
                continue;
            }
            try (Image image = new VmdkFormat().open(storage, OPTIONS)) {
                ImageCheck check = image.check(ImageCheck.Repair.NONE);
                assertEquals(0, check.corruptions(), seed + ": " + check);
                exercise(image);
            }
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
        String target = name.equals("sesparse") ? "seSparseExtent" : "openReadMapCheck";
        try (InputStream in = VmdkFuzzTest.class.getResourceAsStream("VmdkFuzzTestInputs/" + target + "/" + name)) {
            return in.readAllBytes();
        }
    }

    /** How the committed seeds were made (kept so that they can be made again). */
    static byte[] makeSeed(String name) {
        TinyVmdk t = new TinyVmdk();
        switch (name) {
            case "sparse-v1" -> t.flags |= SparseHeader.FLAG_REDUNDANT_GD;
            case "zeroed-grain-v2" -> {
                t.version = 2;
                t.flags |= SparseHeader.FLAG_ZEROED_GRAIN;
                t.grains = new int[] {0, -2, 5, -7, 15};
            }
            case "stream" -> t.compressed = true;
            case "stream-footer" -> {
                t.compressed = true;
                t.gdAtEnd = true;
            }
            case "cowd" -> {
                byte[] cowd = VmdkFixtures.cowd(64, 0); // opened by itself, qemu wants the CIDs at 0x200 too
                byte[] keys = "CID=0000cafe\nparentCID=ffffffff\n".getBytes(StandardCharsets.US_ASCII);
                System.arraycopy(keys, 0, cowd, 512, keys.length);
                return cowd;
            }
            case "sesparse" -> {
                // 64 sectors: grain 0 data, 1 zero, 4 data; one grain table
                ByteBuffer f = ByteBuffer.allocate(67 * 512 + 2 * 4096).order(java.nio.ByteOrder.LITTLE_ENDIAN);
                f.put(0, SeSparseHeader.build(64, 2, 1, 3, 64, 67, 16).array());
                f.putLong(2 * 512, 0x1000000000000000L);
                f.putLong(3 * 512, 3L << 60).putLong(3 * 512 + 8, 2L << 60).putLong(3 * 512 + 32, (3L << 60) | (1L << 48));
                java.util.Arrays.fill(f.array(), 67 * 512, f.capacity(), (byte) 0x42);
                return f.array();
            }
            case "descriptor-flat" -> {
                return (TinyVmdk.descriptor("monolithicFlat", "FLAT", "f-flat.vmdk", 204800, "")
                        .replace("\"f-flat.vmdk\"", "\"f-flat.vmdk\" 0")).getBytes(StandardCharsets.US_ASCII);
            }
            case "descriptor-two-gb" -> {
                return (TinyVmdk.descriptor("twoGbMaxExtentSparse", "SPARSE", "t-s001.vmdk", 4194304,
                        "parentFileNameHint=\"p.vmdk\"") + "RW 2097152 SPARSE \"t-s002.vmdk\"\nRDONLY 8 ZERO\n")
                        .getBytes(StandardCharsets.US_ASCII);
            }
            default -> throw new IllegalArgumentException(name);
        }
        return t.build();
    }

    private static void exercise(Image image) throws IOException {
        ImageInfo info = image.info();
        assertEquals(image.size(), info.virtualSize(), "info's virtual size");
        ReadInvariants.readAndMap(image);
        if (image.size() <= 1 << 24) {
            image.check(ImageCheck.Repair.NONE);
        }
    }
}
