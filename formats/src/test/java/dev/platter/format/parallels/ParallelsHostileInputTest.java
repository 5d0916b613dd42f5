package dev.platter.format.parallels;

import dev.platter.core.CorruptImageException;
import dev.platter.core.UnsupportedFeatureException;
import dev.platter.core.image.Image;
import dev.platter.core.image.OpenOptions;
import dev.platter.core.storage.MemoryStorage;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Hostile Parallels images end in one-line errors naming the structure, with qemu's words where qemu has them. */
class ParallelsHostileInputTest {
    static Image open(byte[] file, boolean readOnly) throws IOException {
        MemoryStorage s = new MemoryStorage("hostile.hdd", file.length);
        s.write(0, ByteBuffer.wrap(file));
        OpenOptions o = readOnly ? OpenOptions.readOnlyDefaults() : OpenOptions.readWriteDefaults();
        return new ParallelsFormat().open(s, o.withFormat("parallels"));
    }

    private static <T extends IOException> void fails(Class<T> kind, byte[] file, String expected) {
        T e = assertThrows(kind, () -> {
            try (Image image = open(file, true)) {
                for (long pos = 0; pos < image.size(); pos = image.mapping(pos, image.size() - pos).end()) {
                    image.readBytes(pos, (int) Math.min(4096, image.size() - pos));
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
    void theTinyImagesAreSound() throws IOException {
        for (boolean old : new boolean[] {false, true}) {
            TinyParallels t = new TinyParallels();
            t.oldMagic = old;
            if (old) {
                t.catalog = new int[] {8, 0, 24, 16, 0, 0, 0, 0}; // in sectors
            }
            try (Image image = open(t.build(), true)) {
                assertEquals(64 * 512, image.size());
                assertEquals(1, image.readBytes(0, 1)[0]);
                assertEquals(0, image.readBytes(4096, 1)[0]);
                assertEquals(3, image.readBytes(8192, 1)[0]);
                assertEquals(4, image.readBytes(3 * 4096 + 4095, 1)[0]);
            }
        }
    }

    @Test
    void headerFieldsQemuRefuses() {
        fails(CorruptImageException.class, new byte[100], "Image not in Parallels format");
        fails(CorruptImageException.class, patch(new TinyParallels().build(), 0x10, 3, false),
                "Image not in Parallels format");
        fails(CorruptImageException.class, patch(new TinyParallels().build(), 0x1c, 0, false),
                "Invalid image: Zero sectors per track");
    }

    @Test
    void absurdClusterSizes() {
        fails(CorruptImageException.class, patch(new TinyParallels().build(), 0x1c, 0x7fffffff, false),
                "Invalid image: Too big cluster");
    }

    @Test
    void hugeCatalogs() {
        fails(CorruptImageException.class, patch(new TinyParallels().build(), 0x20, 0x7fffffff, false),
                "Catalog too large");
        fails(CorruptImageException.class, patch(new TinyParallels().build(), 0x20, 0x1fffffff, false),
                "536870911 entries run past the end of the file");
    }

    @Test
    void hugeSizes() {
        fails(CorruptImageException.class, patch(new TinyParallels().build(), 0x24, -1L, true),
                "is more than a disk can hold");
        // the old magic has a 32-bit size: the high half is ignored, as qemu ignores it
        TinyParallels t = new TinyParallels();
        t.oldMagic = true;
        assertEquals(64 * 512L, assertOpens(patch(t.build(), 0x28, 0x7fffffff, false)));
    }

    private static long assertOpens(byte[] f) {
        try (Image image = open(f, true)) {
            return image.size();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void clustersOutsideTheFile() {
        fails(CorruptImageException.class, patch(new TinyParallels().build(), 64 + 4, 0x7fffffff, false),
                "cluster 1 lies at offset 8796093018112, past the end of the file");
        fails(CorruptImageException.class, patch(new TinyParallels().build(), 64 + 4, 0xffffffffL, false),
                "cluster 1 lies at offset 17592186040320, past the end of the file");
    }

    @Test
    void writingIsRefusedByName() {
        UnsupportedFeatureException e = assertThrows(UnsupportedFeatureException.class,
                () -> open(new TinyParallels().build(), false));
        assertTrue(e.getMessage().contains("does not write them"), e.getMessage());
    }
}
