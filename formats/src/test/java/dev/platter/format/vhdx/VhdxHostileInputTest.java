package dev.platter.format.vhdx;

import dev.platter.core.CorruptImageException;
import dev.platter.core.UnsupportedFeatureException;
import dev.platter.core.image.Image;
import dev.platter.core.image.ImageCheck;
import dev.platter.core.image.OpenOptions;
import dev.platter.core.storage.MemoryStorage;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hostile VHDX files end in one-line errors that name the structure and where it lies, never in a crash, a huge
 * allocation or an endless walk: huge tables and regions, regions and blocks outside the file, bad checksums,
 * absurd block and sector sizes, log entries that point outside the file or claim the file was longer. Each file
 * is the tiny disk of {@link TinyVhdx} with one thing broken (checksums resealed where the break is behind one).
 */
class VhdxHostileInputTest {
    static TinyVhdx clean;
    static TinyVhdx dirty;
    static long metadataItems;

    @BeforeAll
    static void tiny() throws IOException {
        clean = TinyVhdx.make(false);
        dirty = TinyVhdx.make(true);
        metadataItems = TinyVhdx.METADATA + VhdxMetadata.FIRST_ITEM;
    }

    static ByteBuffer le(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }

    static void resealHeaders(byte[] b) {
        VhdxChecksum.seal(b, (int) TinyVhdx.HEADER1, VhdxHeader.SIZE);
        VhdxChecksum.seal(b, (int) TinyVhdx.HEADER2, VhdxHeader.SIZE);
    }

    static void resealRegions(byte[] b) {
        VhdxChecksum.seal(b, (int) TinyVhdx.REGIONS, RegionTable.SIZE);
    }

    /** Opens {@code b} read-only and returns the failure, which must be one line naming {@code structure}. */
    static IOException refused(byte[] b, String structure, String... fragments) throws IOException {
        MemoryStorage s = new MemoryStorage("hostile.vhdx", b.length);
        s.write(0, ByteBuffer.wrap(b));
        IOException e = assertThrows(IOException.class, () -> {
            try (Image img = new VhdxFormat().open(s, OpenOptions.readOnlyDefaults())) {
                img.readBytes(0, (int) Math.min(img.size(), 4 << 20));
            }
        });
        assertTrue(e instanceof CorruptImageException || e instanceof UnsupportedFeatureException, e.toString());
        String m = e.getMessage();
        assertFalse(m.contains("\n"), "one line: " + m);
        assertTrue(m.contains(structure), m);
        for (String f : fragments) {
            assertTrue(m.contains(f), m);
        }
        byte[] after = new byte[b.length];
        s.readAt(0, ByteBuffer.wrap(after));
        assertArrayEquals(b, after, "the file was changed");
        return e;
    }

    static byte[] with(TinyVhdx base, Consumer<byte[]> change) {
        byte[] b = base.bytes();
        change.accept(b);
        return b;
    }

    @Test
    void theCleanAndDirtyTinyDisksOpen() throws IOException {
        for (TinyVhdx t : new TinyVhdx[] {clean, dirty}) {
            try (Image img = new VhdxFormat().open(t.storage(), OpenOptions.readOnlyDefaults())) {
                assertEquals(0x62, img.readBytes((1 << 20) + 4096, 1)[0]);
                assertEquals(0x61, img.readBytes(0, 1)[0]);
            }
        }
    }

    @Test
    void badChecksumsInBothHeaders() throws IOException {
        refused(with(clean, b -> {
            b[(int) TinyVhdx.HEADER1 + 100] ^= 1;
            b[(int) TinyVhdx.HEADER2 + 100] ^= 1;
        }), "vhdx headers", "at offset 65536", "No valid VHDX header found");
    }

    @Test
    void oneBadHeaderLeavesTheOther() throws IOException {
        byte[] b = with(clean, x -> x[(int) TinyVhdx.HEADER2 + 100] ^= 1);
        MemoryStorage s = new MemoryStorage("one.vhdx", b.length);
        s.write(0, ByteBuffer.wrap(b));
        try (Image img = new VhdxFormat().open(s, OpenOptions.readOnlyDefaults())) {
            assertEquals(0x61, img.readBytes(0, 1)[0]);
        }
    }

    @Test
    void noSignature() throws IOException {
        refused(with(clean, b -> b[0] = 'V'), "vhdx file identifier", "at offset 0");
    }

    @Test
    void logOffsetNotAligned() throws IOException {
        refused(with(clean, b -> {
            le(b).putLong((int) TinyVhdx.HEADER1 + 72, 12345).putLong((int) TinyVhdx.HEADER2 + 72, 12345);
            resealHeaders(b);
        }), "vhdx header", "log offset 12345");
    }

    @Test
    void logOutsideTheFile() throws IOException {
        refused(with(dirty, b -> {
            le(b).putLong((int) TinyVhdx.HEADER1 + 72, 1L << 50).putLong((int) TinyVhdx.HEADER2 + 72, 1L << 50);
            resealHeaders(b);
        }), "vhdx log", "past the end of the file");
    }

    @Test
    void hugeLog() throws IOException {
        refused(with(dirty, b -> {
            le(b).putInt((int) TinyVhdx.HEADER1 + 68, -(1 << 20)).putInt((int) TinyVhdx.HEADER2 + 68, -(1 << 20));
            resealHeaders(b);
        }), "the vhdx log at 1048576", "up to 256 MiB");
    }

    @Test
    void regionTableChecksum() throws IOException {
        refused(with(clean, b -> b[(int) TinyVhdx.REGIONS + 1000] ^= 1), "vhdx region table", "at offset 196608",
                "checksum");
    }

    @Test
    void tooManyRegions() throws IOException {
        refused(with(clean, b -> {
            le(b).putInt((int) TinyVhdx.REGIONS + 8, 100_000);
            resealRegions(b);
        }), "vhdx region table", "100000 entries");
    }

    @Test
    void regionOverlappingTheLog() throws IOException {
        refused(with(clean, b -> {
            le(b).putLong((int) TinyVhdx.REGIONS + 32, TinyVhdx.LOG);
            resealRegions(b);
        }), "vhdx region table entry 0", "overlaps");
    }

    @Test
    void regionAtAnAbsurdOffset() throws IOException {
        refused(with(clean, b -> {
            le(b).putLong((int) TinyVhdx.REGIONS + 32, -4096);
            resealRegions(b);
        }), "vhdx region table entry 0", "beyond what a file can hold");
    }

    @Test
    void batOutsideTheFile() throws IOException {
        refused(with(clean, b -> {
            le(b).putLong((int) TinyVhdx.REGIONS + 32, 1L << 40);
            resealRegions(b);
        }), "vhdx BAT region", "past the end of the file");
    }

    @Test
    void batTooSmallForAHugeDisk() throws IOException {
        refused(with(clean, b -> le(b).putLong((int) metadataItems + 8, 64L << 40)), "vhdx BAT region",
                "the disk needs");
    }

    @Test
    void diskOver64TiB() throws IOException {
        refused(with(clean, b -> le(b).putLong((int) metadataItems + 8, -1)), "vhdx virtual disk size",
                "at most 64 TiB");
    }

    @Test
    void absurdBlockSizes() throws IOException {
        for (int size : new int[] {0, 3 << 20, 512 << 20, -1, 4096}) {
            refused(with(clean, b -> le(b).putInt((int) metadataItems, size)), "vhdx file parameters",
                    "block size");
        }
    }

    @Test
    void absurdSectorSize() throws IOException {
        refused(with(clean, b -> le(b).putInt((int) metadataItems + 32, 1000)), "vhdx logical sector size",
                "1000");
    }

    @Test
    void metadataTableTooLong() throws IOException {
        refused(with(clean, b -> le(b).putShort((int) TinyVhdx.METADATA + 10, (short) 4000)),
                "vhdx metadata table", "4000 entries");
    }

    @Test
    void metadataItemPastTheFile() throws IOException {
        // the file parameters far away: read as zeros (as qemu reads them), so a block size of 0
        refused(with(clean, b -> le(b).putInt((int) TinyVhdx.METADATA + 32 + 16, 0x7fff0000)),
                "vhdx file parameters", "block size 0");
    }

    @Test
    void aRequiredUnknownMetadataItem() throws IOException {
        refused(with(clean, b -> {
            b[(int) TinyVhdx.METADATA + 32 + 5 * 32] = 1; // a sixth entry with a GUID nobody knows
            le(b).putShort((int) TinyVhdx.METADATA + 10, (short) 6).putInt((int) TinyVhdx.METADATA + 32 + 5 * 32 + 24,
                    VhdxMetadata.ITEM_IS_REQUIRED);
        }), "vhdx metadata item");
    }

    @Test
    void aBlockPastTheEndOfTheFileFailsTheOpenAndIsReportedByCheck() throws IOException {
        byte[] b = with(clean, x -> le(x).putLong((int) TinyVhdx.BAT, (1L << 40) | BlockState.FULLY_PRESENT));
        refused(b, "vhdx BAT", "VHDX BAT entry 0 start offset 1099511627776 points after end of file");
        MemoryStorage s = new MemoryStorage("hostile.vhdx", b.length);
        s.write(0, ByteBuffer.wrap(b));
        try (Image img = new VhdxFormat().openForCheck(s, OpenOptions.readOnlyDefaults())) {
            ImageCheck c = img.check(ImageCheck.Repair.NONE);
            assertEquals(1, c.corruptions(), c.toString());
        }
    }

    @Test
    void aBlockInTheHeaderSection() throws IOException {
        refused(with(clean, b -> le(b).putLong((int) TinyVhdx.BAT, BlockState.FULLY_PRESENT)), "vhdx BAT entry 0",
                "inside the header section");
    }

    @Test
    void logEntryPointingOutsideTheFile() throws IOException {
        refused(with(dirty, b -> {
            le(b).putLong((int) TinyVhdx.LOG + 64 + 16, 1L << 45);
            VhdxChecksum.seal(b, (int) TinyVhdx.LOG, 2 * VhdxLog.SECTOR);
        }), "vhdx log entry", "at offset 1048576", "outside the file");
    }

    @Test
    void logEntryClaimingALongerFile() throws IOException {
        refused(with(dirty, b -> {
            le(b).putLong((int) TinyVhdx.LOG + 48, 1L << 44);
            VhdxChecksum.seal(b, (int) TinyVhdx.LOG, 2 * VhdxLog.SECTOR);
        }), "vhdx log entry", "flushed file offset", "truncated");
    }

    @Test
    void logDescriptorWithABadSignature() throws IOException {
        refused(with(dirty, b -> b[(int) TinyVhdx.LOG + 64] = 'X'), "vhdx log entry", "descriptor 0");
    }

    @Test
    void aLogEntryWithABadChecksumIsNotReplayed() throws IOException {
        byte[] b = with(dirty, x -> x[(int) TinyVhdx.LOG + 4096 + 100] ^= 1);
        MemoryStorage s = new MemoryStorage("torn.vhdx", b.length);
        s.write(0, ByteBuffer.wrap(b));
        try (Image img = new VhdxFormat().open(s, OpenOptions.readOnlyDefaults())) {
            assertEquals(0, img.readBytes((1 << 20) + 4096, 1)[0], "a torn entry is not replayed");
        }
    }

    /** A parent locator that does not fit, or whose strings lie outside it, is refused before any parent is looked for. */
    @Test
    void parentLocatorsOutOfBounds() throws IOException {
        int entry = (int) TinyVhdx.METADATA + 32 + 5 * 32;
        refused(with(clean, b -> {
            le(b).putInt((int) metadataItems + 4, VhdxMetadata.FLAG_HAS_PARENT);
            VhdxGuid.PARENT_LOCATOR.write(le(b), entry);
            le(b).putShort((int) TinyVhdx.METADATA + 10, (short) 6);
        }), "vhdx parent locator", "0 bytes long");
        byte[] locator = ParentLocator.encode(java.util.Map.of("relative_path", "p.vhdx"));
        refused(with(clean, b -> {
            le(b).putInt((int) metadataItems + 4, VhdxMetadata.FLAG_HAS_PARENT);
            VhdxGuid.PARENT_LOCATOR.write(le(b), entry);
            le(b).putShort((int) TinyVhdx.METADATA + 10, (short) 6);
            le(b).putInt(entry + 16, VhdxMetadata.FIRST_ITEM + 40).putInt(entry + 20, locator.length);
            le(ByteBuffer.wrap(locator).order(ByteOrder.LITTLE_ENDIAN).putInt(20 + 4, 1 << 30).array());
            System.arraycopy(locator, 0, b, (int) metadataItems + 40, locator.length);
        }), "vhdx parent locator", "outside the locator");
        refused(with(clean, b -> le(b).putInt((int) metadataItems + 4, VhdxMetadata.FLAG_HAS_PARENT)),
                "vhdx file parameters", "no parent locator");
    }
}
