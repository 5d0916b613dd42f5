package dev.platter.format.dmg;

import dev.platter.core.CorruptImageException;
import dev.platter.core.image.Image;
import dev.platter.testdata.DmgFixtures;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;

import static dev.platter.testdata.DmgFixtures.RAW;
import static dev.platter.testdata.DmgFixtures.ZERO;
import static dev.platter.testdata.DmgFixtures.ZLIB;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Hostile DMGs end in one-line errors naming the structure, with qemu's words where qemu has them. */
class DmgHostileInputTest {
    static byte[] tiny() {
        return DmgFixtures.image(false, RAW, ZERO, ZLIB);
    }

    static int koly(byte[] f) {
        return f.length - 512;
    }

    /** The first chunk entry of the (only) mish block, in a property-list image: found by decoding is costly, so
     *  the tests patch resource-fork images, whose table sits at a known place. */
    static int firstEntry(byte[] rsrcImage) {
        long fork = ByteBuffer.wrap(rsrcImage).getLong(koly(rsrcImage) + 0x28);
        return (int) fork + 0x104 + 204;
    }

    private static void fails(byte[] file, String expected) {
        CorruptImageException e = assertThrows(CorruptImageException.class, () -> {
            try (Image image = DmgReaderTest.open(file)) {
                for (long pos = 0; pos < image.size(); pos = image.mapping(pos, image.size() - pos).end()) {
                    image.readBytes(pos, (int) Math.min(1 << 20, image.size() - pos));
                }
            }
        });
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    private static byte[] patch(byte[] f, int at, long v) {
        ByteBuffer.wrap(f).putLong(at, v);
        return f;
    }

    @Test
    void noTrailer() {
        fails(new byte[100], "dmg file must be at least 512 bytes long");
        fails(new byte[5000], "Could not locate UDIF trailer in dmg file");
    }

    @Test
    void forksOutsideTheFile() {
        byte[] f = tiny();
        fails(patch(f, koly(f) + 0x18, 1L << 40), "the data fork starts after the trailer");
        byte[] g = tiny();
        fails(patch(g, koly(g) + 0xe0, 1L << 40), "the property list does not lie before the trailer");
        byte[] h = DmgFixtures.image(true, RAW);
        fails(patch(h, koly(h) + 0x30, -1L), "the resource fork does not lie before the trailer");
        byte[] i = tiny();
        fails(patch(patch(i, koly(i) + 0xe0, 0), koly(i) + 0x30, 0), "neither a resource fork nor a property list");
    }

    @Test
    void hugeSizesAndCounts() {
        byte[] f = tiny();
        fails(patch(f, koly(f) + 0x1ec, -1L), "is more than a disk can hold");
        byte[] g = DmgFixtures.image(true, RAW, ZLIB);
        fails(patch(g, firstEntry(g) + 16, 1L << 40), "sector count 1099511627776 for chunk 0 is larger than max");
        byte[] h = DmgFixtures.image(true, RAW, ZLIB);
        fails(patch(h, firstEntry(h) + 32, 1L << 40), "length 1099511627776 for chunk 0 is larger than max");
        byte[] big = DmgFixtures.image(true, RAW);
        long fork = ByteBuffer.wrap(big).getLong(koly(big) + 0x28);
        ByteBuffer.wrap(big).putInt((int) fork + 8, 0x7fffffff);
        fails(big, "the resource data does not fit the resource fork");
    }

    @Test
    void chunksOutsideTheFile() {
        byte[] f = DmgFixtures.image(true, RAW, ZLIB);
        fails(patch(f, firstEntry(f) + 24, 1L << 40), "run past the end of the file");
        byte[] g = DmgFixtures.image(true, RAW, ZLIB);
        fails(patch(g, firstEntry(g) + 40 + 32, 5), "does not inflate to its 4096 bytes");
    }

    @Test
    void sectorsNoChunkHolds() {
        byte[] f = tiny();
        fails(patch(f, koly(f) + 0x1ec, 100), "no chunk holds sector 24");
    }

    @Test
    void malformedPropertyLists() throws IOException {
        byte[] f = tiny();
        String text = new String(f, java.nio.charset.StandardCharsets.ISO_8859_1);
        int close = text.indexOf("</data>");
        f[close + 1] = 'x';
        fails(f, "a <data> element is not closed");
    }
}
