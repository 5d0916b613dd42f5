package dev.platter.format.vpc;

import dev.platter.core.CorruptImageException;
import dev.platter.core.image.Image;
import dev.platter.core.image.OpenOptions;
import dev.platter.core.storage.MemoryStorage;
import dev.platter.format.ReadInvariants;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hostile VHDs end in one-line errors naming the structure and its offset, before anything large is allocated and
 * without opening any file the image should not reach.
 */
class VpcHostileInputTest {
    private static final int BAT = TinyVhd.TABLE_AT;

    static Image open(byte[] file) throws IOException {
        MemoryStorage s = new MemoryStorage("hostile.vhd", file.length);
        s.write(0, ByteBuffer.wrap(file));
        return new VpcFormat().open(s, OpenOptions.readOnlyDefaults().withFormat("vpc").withOpenBacking(false));
    }

    private static void fails(byte[] file, String structure, long offset, String expected) {
        CorruptImageException e = assertThrows(CorruptImageException.class, () -> {
            try (Image image = open(file)) {
                ReadInvariants.readAndMap(image);
            }
        });
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertEquals(structure, e.structure(), e.getMessage());
        assertEquals(offset, e.offset(), e.getMessage());
    }

    private static byte[] tiny() {
        return new TinyVhd().block(1, new byte[] {1, 2, 3}, null).build();
    }

    private static byte[] patchHeaderInt(byte[] file, int field, int value) {
        ByteBuffer.wrap(file).putInt(TinyVhd.HEADER_AT + field, value);
        return TinyVhd.reheader(file);
    }

    @Test
    void theValidImageOpens() throws IOException {
        try (Image image = open(tiny())) {
            ReadInvariants.readAndMap(image);
            assertEquals(4L << 20, image.size());
        }
    }

    @Test
    void tooSmallOrNoCookie() {
        fails(new byte[100], "VHD footer", -1, "File too small for a VHD header");
        fails(new byte[4096], "VHD footer", 3584, "invalid VPC image");
    }

    @Test
    void badFooterChecksum() {
        byte[] f = tiny();
        f[100] ^= 1;
        fails(f, "VHD footer", 0, "Incorrect header checksum");
    }

    @Test
    void hugeSize() {
        byte[] f = tiny();
        ByteBuffer.wrap(f).putLong(48, 1L << 50);
        fails(TinyVhd.refooter(f), "VHD footer", 0, "2040 GiB");
    }

    @Test
    void headerOutsideTheFile() {
        byte[] f = tiny();
        ByteBuffer.wrap(f).putLong(16, 1L << 40);
        fails(TinyVhd.refooter(f), "VHD dynamic disk header", 1L << 40, "lies outside the file");
        ByteBuffer.wrap(f).putLong(16, -512);
        fails(TinyVhd.refooter(f), "VHD dynamic disk header", -512, "lies outside the file");
    }

    @Test
    void badHeaderCookie() {
        byte[] f = tiny();
        f[TinyVhd.HEADER_AT] = 'X';
        fails(f, "VHD dynamic disk header", 512, "Invalid header magic");
    }

    @Test
    void absurdBlockSizes() {
        fails(patchHeaderInt(tiny(), 32, 3), "VHD dynamic disk header", 512, "Invalid block size 3");
        fails(patchHeaderInt(tiny(), 32, 256), "VHD dynamic disk header", 512, "Invalid block size 256");
        fails(patchHeaderInt(tiny(), 32, 0), "VHD dynamic disk header", 512, "Invalid block size 0");
        fails(patchHeaderInt(tiny(), 32, 1 << 30), "VHD dynamic disk header", 512,
                "block size 1073741824 is larger than the 268435456 bytes Platter reads");
        fails(patchHeaderInt(tiny(), 32, 0x80000000), "VHD dynamic disk header", 512, "larger than");
    }

    @Test
    void hugeTables() {
        fails(patchHeaderInt(tiny(), 28, -1), "VHD block allocation table", BAT, "more than the 16777216");
        fails(patchHeaderInt(tiny(), 28, 1 << 20), "VHD block allocation table", BAT,
                "run past the end of the file");
        fails(patchHeaderInt(tiny(), 28, 1), "VHD dynamic disk header", 512, "Page table too small");
        byte[] f = tiny();
        ByteBuffer.wrap(f).putLong(TinyVhd.HEADER_AT + 16, 1L << 40);
        fails(TinyVhd.reheader(f), "VHD block allocation table", 1L << 40, "run past the end of the file");
    }

    @Test
    void blocksOutsideTheFileOrOverTheMetadata() {
        byte[] f = tiny();
        ByteBuffer.wrap(f).putInt(BAT + 4, 0x7fffffff);
        fails(f, "VHD block allocation table", BAT + 4, "The image has been truncated");
        ByteBuffer.wrap(f).putInt(BAT + 4, 1);
        fails(f, "VHD block allocation table", BAT + 4, "lies in the footer, header or table");
    }

    @Test
    void aDynamicFooterWithoutItsCopyAtTheStart() {
        byte[] f = tiny();
        Arrays.fill(f, 0, 8, (byte) 0);
        fails(f, "VHD footer", 0, "the copy at offset 0 that a dynamic disk needs is missing");
    }

    @Test
    void parentLocatorsOutsideTheFileOrTooLong() {
        TinyVhd t = new TinyVhd().locator("W2ru", "p.vhd");
        t.type = VhdDiskType.DIFFERENCING;
        int entry = TinyVhd.HEADER_AT + DynamicHeader.LOCATORS_AT;
        byte[] f = t.build();
        ByteBuffer.wrap(f).putLong(entry - TinyVhd.HEADER_AT + TinyVhd.HEADER_AT + 16, 1L << 40);
        fails(TinyVhd.reheader(f), "VHD parent locator 0 (W2ru)", entry, "lies outside the file");
        f = t.build();
        ByteBuffer.wrap(f).putInt(entry + 8, 1 << 30);
        fails(TinyVhd.reheader(f), "VHD parent locator 0 (W2ru)", entry, "a name of 1073741824 bytes");
    }

    @Test
    void aDifferencingDiskNamingNoParent() {
        TinyVhd t = new TinyVhd();
        t.type = VhdDiskType.DIFFERENCING;
        fails(t.build(), "VHD dynamic disk header", 512, "names no parent");
    }
}
