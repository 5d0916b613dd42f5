package dev.platter.format.bochs;

import dev.platter.core.CorruptImageException;
import dev.platter.core.image.Image;
import dev.platter.core.image.OpenOptions;
import dev.platter.core.storage.MemoryStorage;
import dev.platter.testdata.BochsFixtures;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Hostile Bochs redologs end in one-line errors naming the structure, with qemu's words where qemu has them. */
class BochsHostileInputTest {
    static byte[] tiny() {
        return BochsFixtures.redolog(4096, 4, new byte[] {0b00100011}, null, new byte[] {(byte) 0xff});
    }

    static Image open(byte[] file) throws IOException {
        MemoryStorage s = new MemoryStorage("hostile.bochs", file.length);
        s.write(0, ByteBuffer.wrap(file));
        return new BochsFormat().open(s, OpenOptions.readOnlyDefaults().withFormat("bochs"));
    }

    private static void fails(byte[] file, String expected) {
        CorruptImageException e = assertThrows(CorruptImageException.class, () -> {
            try (Image image = open(file)) {
                for (long pos = 0; pos < image.size(); pos = image.mapping(pos, image.size() - pos).end()) {
                    image.readBytes(pos, (int) Math.min(1 << 20, image.size() - pos));
                }
            }
        });
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    private static byte[] patch(byte[] f, int at, long value, boolean wide) {
        ByteBuffer b = ByteBuffer.wrap(f).order(ByteOrder.LITTLE_ENDIAN);
        if (wide) {
            b.putLong(at, value);
        } else {
            b.putInt(at, (int) value);
        }
        return f;
    }

    @Test
    void theTinyImageIsSound() throws IOException {
        try (Image image = open(tiny())) {
            assertEquals(4 * 4096, image.size());
            assertEquals(1, image.readBytes(0, 1)[0]);
            assertEquals(2, image.readBytes(512 + 511, 1)[0]);
            assertEquals(0, image.readBytes(1024, 1)[0]);
            assertEquals(6, image.readBytes(5 * 512, 1)[0]);
            assertEquals(0, image.readBytes(4096, 1)[0]);
            assertEquals(2 * 16 + 8, image.readBytes(2 * 4096 + 7 * 512, 1)[0]);
            assertEquals(0, image.readBytes(3 * 4096, 1)[0]);
        }
    }

    @Test
    void headerFieldsQemuRefuses() {
        fails(new byte[100], "Image not in Bochs format");
        fails(patch(tiny(), 64, 0x00030000, false), "Image not in Bochs format");
        fails(patch(tiny(), 72, 3, false), "Catalog size is too small for this disk size");
    }

    @Test
    void hugeCatalogs() {
        fails(patch(tiny(), 72, 0x100001, false), "Catalog size is too large");
        fails(patch(tiny(), 72, 0x100000, false), "1048576 entries run past the end of the file");
        fails(patch(tiny(), 68, 0x7fffffff, false), "entries run past the end of the file");
    }

    @Test
    void absurdExtentSizes() {
        fails(patch(tiny(), 80, 0, false), "Extent size must be at least 512");
        fails(patch(tiny(), 80, 3000, false), "Extent size 3000 is not a power of two");
        fails(patch(tiny(), 80, 0x1000000, false), "Extent size 16777216 is too large");
    }

    @Test
    void hugeDiskSizes() {
        fails(patch(tiny(), 88, -1L, true), "is more than a disk can hold");
        fails(patch(tiny(), 88, 1L << 40, true), "Catalog size is too small for this disk size");
    }

    @Test
    void extentsOutsideTheFile() {
        fails(patch(tiny(), 512 + 8, 0x7fffffff, false), "extent 2 has its bitmap at");
        fails(patch(tiny(), 512 + 8, -2, false), "past the end of the file");
        // a huge bitmap size puts every extent's sectors far away (qemu's unsigned arithmetic: size 0 wraps)
        fails(patch(tiny(), 76, 0, false), "past the end of the file");
    }
}
