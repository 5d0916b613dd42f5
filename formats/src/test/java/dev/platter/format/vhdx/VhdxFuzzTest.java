package dev.platter.format.vhdx;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.platter.core.image.Image;
import dev.platter.core.image.ImageCheck;
import dev.platter.core.image.ImageInfo;
import dev.platter.core.image.OpenOptions;
import dev.platter.core.storage.MemoryStorage;
import dev.platter.format.ReadInvariants;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Coverage-guided fuzzing of the VHDX reader and its log replay. A VHDX file spreads its structures over megabytes
 * (headers at 64 and 128 KiB, region tables at 192 KiB, log, BAT and metadata at 1, 2 and 3 MiB), so the input is
 * not a file but patches to one: the tiny disk of {@link TinyVhdx}, clean or with a dirty log. The first byte
 * picks the disk (bit 0), which checksums to reseal after patching so that the fuzzer gets past them (bit 1 the
 * headers, bit 2 the region table, bit 3 the log's first entry), and whether to open it read-write afterwards too
 * (bit 4: the replay on disk, a write and a flush). Then patch records follow: area (0 file identifier, 1 and 2 the
 * headers, 3 the region table, 4 the log, 5 the BAT, 6 the metadata table, 7 the metadata items), a little-endian
 * 16-bit offset in it, a length byte and that many bytes.
 *
 * <p>Any IOException is an acceptable answer to a damaged file; beyond "no crash" every input must keep the
 * reader's promises (reads fill what was asked, mapping runs tile the disk, info gives the disk's size) and a
 * read-only open (through a view that refuses writes) must leave the file as it was, dirty log or not.
 */
class VhdxFuzzTest {
    private static final long[] AREAS = {0, TinyVhdx.HEADER1, TinyVhdx.HEADER2, TinyVhdx.REGIONS, TinyVhdx.LOG,
        TinyVhdx.BAT, TinyVhdx.METADATA, TinyVhdx.METADATA + VhdxMetadata.FIRST_ITEM};
    static final String[] SEEDS = {"clean", "dirty", "dirty-read-write", "dirty-log-entry-patched"};
    private static TinyVhdx clean;
    private static TinyVhdx dirty;

    private static synchronized TinyVhdx base(boolean withLog) throws IOException {
        if (clean == null) {
            clean = TinyVhdx.make(false);
            dirty = TinyVhdx.make(true);
        }
        return withLog ? dirty : clean;
    }

    @BeforeAll
    static void bases() throws IOException {
        base(false);
    }

    @FuzzTest(maxDuration = "10m")
    void openReadMapReplayCheck(byte[] input) throws IOException {
        if (input.length == 0) {
            return;
        }
        int flags = input[0];
        MemoryStorage storage = base((flags & 1) != 0).storage();
        int p = 1;
        while (p + 4 <= input.length) {
            long at = AREAS[input[p] & 7] + ((input[p + 1] & 0xff) | (input[p + 2] & 0xff) << 8);
            int len = Math.min(input[p + 3] & 0xff, input.length - p - 4);
            storage.write(at, ByteBuffer.wrap(input, p + 4, len));
            p += 4 + len;
        }
        if ((flags & 2) != 0) {
            reseal(storage, TinyVhdx.HEADER1, VhdxHeader.SIZE);
            reseal(storage, TinyVhdx.HEADER2, VhdxHeader.SIZE);
        }
        if ((flags & 4) != 0) {
            reseal(storage, TinyVhdx.REGIONS, RegionTable.SIZE);
        }
        if ((flags & 8) != 0) {
            byte[] first = new byte[VhdxLog.SECTOR];
            storage.readAt(TinyVhdx.LOG, ByteBuffer.wrap(first));
            long length = LogEntryHeader.parse(first).entryLength();
            if (length >= 64 && length <= 64 * VhdxLog.SECTOR) {
                reseal(storage, TinyVhdx.LOG, (int) length);
            }
        }
        byte[] head = new byte[4096];
        storage.readAt(0, ByteBuffer.wrap(head));
        long sizeBefore = storage.size();
        VhdxFormat format = new VhdxFormat();
        format.probe(ByteBuffer.wrap(head).asReadOnlyBuffer(), storage);
        try (Image image = format.open(storage.readOnlyView(), OpenOptions.readOnlyDefaults())) {
            exercise(image);
        } catch (IOException expected) {
            // corrupt or unsupported: the answer to a damaged file
        }
        // the read-only view refuses every write, so the file's bytes cannot change; its size neither
        assertEquals(sizeBefore, storage.size(), "a read-only open changed the file");
        if ((flags & 16) != 0) {
            try (Image image = format.open(storage, OpenOptions.readWriteDefaults())) {
                exercise(image);
                if (image.size() >= 4096) {
                    image.write(image.size() / 2 / 512 * 512 - Math.min(image.size() / 2 / 512 * 512, 512),
                            ByteBuffer.allocate(4096).limit((int) Math.min(4096, image.size() / 2)));
                    image.flush();
                }
            } catch (IOException expected) {
                // corrupt or unsupported
            }
        }
    }

    private static void reseal(MemoryStorage s, long at, int length) throws IOException {
        byte[] b = new byte[length];
        s.readAt(at, ByteBuffer.wrap(b));
        VhdxChecksum.seal(b, 0, length);
        s.write(at, ByteBuffer.wrap(b));
    }

    private static void exercise(Image image) throws IOException {
        ImageInfo info = image.info();
        assertEquals(image.size(), info.virtualSize(), "info's virtual size");
        ReadInvariants.readAndMap(image);
        image.check(ImageCheck.Repair.NONE);
    }

    /** The seeds open cleanly (the dirty ones through their replay), so that fuzzing starts from valid metadata. */
    @Test
    void seedsAreCleanImages() throws IOException {
        for (String seed : SEEDS) {
            byte[] input = seed(seed);
            assertArrayEquals(makeSeed(seed), input, seed + " is not what makeSeed makes");
            MemoryStorage s = base((input[0] & 1) != 0).storage();
            try (Image image = new VhdxFormat().open(s, OpenOptions.readOnlyDefaults())) {
                assertEquals(0x62, image.readBytes((1 << 20) + 4096, 1)[0], seed);
            }
            openReadMapReplayCheck(input);
        }
    }

    static byte[] seed(String name) throws IOException {
        try (InputStream in = VhdxFuzzTest.class.getResourceAsStream("VhdxFuzzTestInputs/openReadMapReplayCheck/"
                + name)) {
            return in.readAllBytes();
        }
    }

    /** How the committed seeds were made (kept so that they can be made again). */
    static byte[] makeSeed(String name) {
        return switch (name) {
            case "clean" -> new byte[] {0};
            case "dirty" -> new byte[] {1};
            case "dirty-read-write" -> new byte[] {17};
            // the entry's sequence number rewritten (to the same value) and the entry resealed
            case "dirty-log-entry-patched" -> new byte[] {9, 4, 16, 0, 1, 7};
            default -> throw new IllegalArgumentException(name);
        };
    }
}
