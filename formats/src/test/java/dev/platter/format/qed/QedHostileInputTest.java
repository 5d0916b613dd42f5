package dev.platter.format.qed;

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

/** Hostile QED images end in one-line errors naming the structure, with qemu's words where qemu has them. */
class QedHostileInputTest {
    static Image open(byte[] file) throws IOException {
        MemoryStorage s = new MemoryStorage("hostile.qed", file.length);
        s.write(0, ByteBuffer.wrap(file));
        return new QedFormat().open(s, OpenOptions.readOnlyDefaults().withFormat("qed").withOpenBacking(false));
    }

    private static <T extends IOException> void fails(Class<T> kind, byte[] file, String expected) {
        T e = assertThrows(kind, () -> {
            try (Image image = open(file)) {
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
    void theTinyImageIsSound() throws IOException {
        try (Image image = open(new TinyQed().build())) {
            assertEquals(8 << 20, image.size());
            assertEquals(5, image.readBytes(0, 1)[0]);
            assertEquals(6, image.readBytes(4096, 1)[0]);
            assertEquals(0, image.readBytes(8192, 1)[0]);
            assertEquals(7, image.readBytes(4 * 4096, 1)[0]);
        }
    }

    @Test
    void headerFieldsQemuRefuses() {
        fails(CorruptImageException.class, new byte[10], "Image not in QED format");
        fails(UnsupportedFeatureException.class, patch(new TinyQed().build(), 16, 0x10, true),
                "Unsupported QED features: 10");
        fails(CorruptImageException.class, patch(new TinyQed().build(), 8, 1, false), "QED table offset is invalid");
        // a header of 2^31 clusters: the L1 table at cluster 1 lies inside it (qemu checks that first)
        fails(CorruptImageException.class, patch(new TinyQed().build(), 12, 0x7fffffff, false),
                "QED table offset is invalid");
    }

    @Test
    void absurdClusterAndTableSizes() {
        for (long c : new long[] {0, 512, 4097, 128L << 20, 0xffffffffL}) {
            fails(CorruptImageException.class, patch(new TinyQed().build(), 4, c, false), "QED cluster size is invalid");
        }
        for (long t : new long[] {0, 3, 32}) {
            fails(CorruptImageException.class, patch(new TinyQed().build(), 8, t, false), "QED table size is invalid");
        }
        // the largest tables qemu allows (64 MiB clusters, 16 per table): the maximum image size wraps to 0 in
        // qemu's 64-bit arithmetic, so no image size is valid; refused before anything is read
        byte[] big = patch(patch(new TinyQed().build(), 4, 64L << 20, false), 8, 16, false);
        fails(CorruptImageException.class, big, "QED image size is invalid");
    }

    @Test
    void hugeImageSizes() {
        fails(CorruptImageException.class, patch(new TinyQed().build(), 48, -512, true), "QED image size is invalid");
        fails(CorruptImageException.class, patch(new TinyQed().build(), 48, 1L << 40, true),
                "QED image size is invalid");
        fails(CorruptImageException.class, patch(new TinyQed().build(), 48, 1000, true), "QED image size is invalid");
    }

    @Test
    void tablesOutsideTheFile() {
        fails(CorruptImageException.class, patch(new TinyQed().build(), 40, 1L << 40, true),
                "QED table offset is invalid");
        fails(CorruptImageException.class, patch(new TinyQed().build(), 4096, 1L << 40, true),
                "L1 entry 0 points to an L2 table at 1099511627776, not a valid table offset");
        fails(CorruptImageException.class, patch(new TinyQed().build(), 4096, 100, true), "not a valid table offset");
    }

    @Test
    void dataClustersOutsideTheFileOrUnaligned() {
        fails(CorruptImageException.class, patch(new TinyQed().build(), 3 * 4096, 1L << 40, true),
                "entry 0 points to a data cluster at 1099511627776, not a valid cluster offset");
        fails(CorruptImageException.class, patch(new TinyQed().build(), 3 * 4096 + 8, 4097, true),
                "entry 1 points to a data cluster at 4097");
    }

    @Test
    void backingNames() {
        TinyQed t = new TinyQed();
        t.backing = "b.raw";
        byte[] f = patch(t.build(), 60, 5000, false);
        fails(CorruptImageException.class, f, "QED backing filename offset is invalid");
    }

    /** Two images naming each other as backing files: a one-line error, where qemu-img loops. */
    @Test
    void backingFileLoops(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws IOException {
        TinyQed a = new TinyQed();
        a.backing = "b.qed";
        TinyQed b = new TinyQed();
        b.backing = "a.qed";
        java.nio.file.Files.write(dir.resolve("a.qed"), a.build());
        java.nio.file.Files.write(dir.resolve("b.qed"), b.build());
        IOException e = assertThrows(IOException.class, () -> dev.platter.core.image.Images.open(dir.resolve("a.qed"),
                OpenOptions.readOnlyDefaults()).close());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        assertTrue(e.getMessage().contains("loop"), e.getMessage());
    }
}
