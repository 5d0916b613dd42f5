package dev.platter.format.qcow2;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.platter.core.CorruptImageException;
import dev.platter.core.image.Image;
import dev.platter.core.image.ImageCheck;
import dev.platter.core.image.ImageInfo;
import dev.platter.core.image.OpenOptions;
import dev.platter.core.image.ReferenceResolver;
import dev.platter.core.image.SnapshotInfo;
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
 * Coverage-guided fuzzing of the qcow2 reader: the input is a whole image file. The seeds (Qcow2FuzzTestInputs) are
 * small real images made by qemu-img with 512-byte clusters, so every structure (header extensions, L1/L2, refcounts,
 * compressed clusters, snapshot table, bitmap directory and tables) sits in the first few KiB the fuzzer mutates.
 * Without JAZZER_FUZZ the seeds and past findings replay as regression tests.
 *
 * <p>Any IOException is an acceptable answer to a damaged image; beyond "no crash" each input must keep the reader's
 * promises: reads fill exactly what was asked, mapping runs tile the disk, info gives the image's size, bitmap
 * ranges lie inside the disk, and a read-only open never changes a byte of the file.
 */
class Qcow2FuzzTest {
    /**
     * Opens no other file, but unlike the untrusted gate ({@code denyAll()}, which refuses an image that names one
     * at once) lets the image itself be opened and read, so that images with backing and data files are fuzzed too.
     */
    private static final ReferenceResolver NO_OTHER_FILES = (referrer, reference, kind) -> {
        throw new dev.platter.core.image.ReferenceDeniedException(referrer, reference, kind,
                "the fuzz target opens no other file");
    };
    private static final OpenOptions OPTIONS = OpenOptions.readOnlyDefaults().withFormat("qcow2")
            .withResolver(NO_OTHER_FILES).withOpenBacking(false).withMetadataCacheBytes(1 << 20);

    @FuzzTest(maxDuration = "10m")
    void openReadMapCheck(byte[] file) throws IOException {
        MemoryStorage storage = new MemoryStorage("fuzz.qcow2", file.length);
        storage.write(0, ByteBuffer.wrap(file));
        new Qcow2Format().probe(ByteBuffer.wrap(file).asReadOnlyBuffer(), storage);
        try (Image image = new Qcow2Format().open(storage, OPTIONS)) {
            exercise(image);
        } catch (IOException expected) {
            // corrupt, unsupported or a refused reference: the answer to a damaged image
        }
        byte[] after = new byte[file.length];
        storage.readAt(0, ByteBuffer.wrap(after));
        assertArrayEquals(file, after, "a read-only open changed the file");
    }

    /** The seeds are clean images (qemu-img check finds nothing), so that fuzzing starts from valid metadata. */
    @Test
    void seedsAreCleanImages() throws IOException {
        for (String seed : new String[] {"v3-snapshot-bitmap-compressed", "v2-snapshot", "refcount1-zstd",
            "backing-1k-clusters"}) {
            byte[] file;
            try (InputStream in = getClass().getResourceAsStream("Qcow2FuzzTestInputs/openReadMapCheck/" + seed)) {
                file = in.readAllBytes();
            }
            MemoryStorage storage = new MemoryStorage(seed, file.length);
            storage.write(0, ByteBuffer.wrap(file));
            try (Image image = new Qcow2Format().open(storage, OPTIONS)) {
                ImageCheck check = image.check(ImageCheck.Repair.NONE);
                assertEquals(0, check.checkErrors() + check.corruptions() + check.leaks(), seed + ": " + check);
                exercise(image);
            }
        }
    }

    private static void exercise(Image image) throws IOException {
        ImageInfo info = image.info();
        assertEquals(image.size(), info.virtualSize(), "info's virtual size");
        readAndMap(image);
        Qcow2Image q = (Qcow2Image) image;
        for (SnapshotInfo s : q.snapshots()) {
            try (Image view = q.openSnapshot(s.id())) {
                readAndMap(view);
            } catch (CorruptImageException ignored) {
                // a damaged snapshot costs only that snapshot
            }
        }
        for (Qcow2Bitmap b : q.bitmaps()) {
            long end = 0;
            for (ByteRange r : q.changedRanges(b.name())) {
                assertTrue(r.length() > 0 && r.start() >= end && r.end() <= image.size(),
                        "bitmap " + b.name() + ": range " + r + " after " + end + " in a disk of " + image.size());
                end = r.end();
            }
        }
        ImageCheck check = image.check(ImageCheck.Repair.NONE);
        assertTrue(check.checkErrors() >= 0 && check.corruptions() >= 0, check.toString());
    }

    private static void readAndMap(Image image) throws IOException {
        ReadInvariants.readAndMap(image);
    }
}
