package dev.platter.format.cloop;

import dev.platter.core.CorruptImageException;
import dev.platter.core.image.Image;
import dev.platter.core.image.OpenOptions;
import dev.platter.core.storage.MemoryStorage;
import dev.platter.testdata.CloopFixtures;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Hostile cloop images end in one-line errors naming the structure, with qemu's words where qemu has them. */
class CloopHostileInputTest {
    static byte[] tiny() {
        return CloopFixtures.image(1024, 4);
    }

    static Image open(byte[] file) throws IOException {
        MemoryStorage s = new MemoryStorage("hostile.cloop", file.length);
        s.write(0, ByteBuffer.wrap(file));
        return new CloopFormat().open(s, OpenOptions.readOnlyDefaults().withFormat("cloop"));
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

    private static byte[] patchInt(byte[] f, int at, long v) {
        ByteBuffer.wrap(f).putInt(at, (int) v);
        return f;
    }

    private static byte[] patchLong(byte[] f, int at, long v) {
        ByteBuffer.wrap(f).putLong(at, v);
        return f;
    }

    @Test
    void theTinyImageIsSound() throws IOException {
        try (Image image = open(tiny())) {
            for (int i = 0; i < 4; i++) {
                assertArrayEquals(CloopFixtures.block(i, 1024), image.readBytes(i * 1024L, 1024), "block " + i);
            }
        }
    }

    @Test
    void absurdBlockSizes() {
        fails(patchInt(tiny(), 128, 1000), "block_size 1000 must be a multiple of 512");
        fails(patchInt(tiny(), 128, 0), "block_size cannot be zero");
        fails(patchInt(tiny(), 128, 0xfffffe00L), "block_size 4294966784 must be 64 MB or less");
    }

    @Test
    void hugeBlockCounts() {
        fails(patchInt(tiny(), 132, 0xffffffffL), "n_blocks 4294967295 must be 536870911 or less");
        fails(patchInt(tiny(), 132, 0x10000000), "image requires too many offsets, try increasing block size");
        fails(patchInt(tiny(), 132, 0x1000000), "16777217 offsets run past the end of the file");
    }

    @Test
    void offsetsThatGoBackOrLeap() {
        fails(patchLong(tiny(), 136 + 16, 10), "offsets not monotonically increasing at index 2");
        fails(patchLong(tiny(), 136 + 32, 1L << 40), "invalid compressed block size at index 4");
    }

    @Test
    void blocksOutsideTheFile() {
        byte[] f = tiny();
        long last = ByteBuffer.wrap(f).getLong(136 + 32);
        fails(patchLong(f, 136 + 32, last + 100), "compressed bytes run past the end of the file");
    }

    @Test
    void blocksThatDoNotInflateToABlock() {
        fails(patchInt(tiny(), 128, 2048), "does not inflate to one block of 2048 bytes");
        byte[] f = tiny();
        int first = (int) ByteBuffer.wrap(f).getLong(136);
        f[first] = 0x12;
        fails(f, "not a zlib stream");
        fails(patchInt(tiny(), 128, 512), "inflates to more than one block of 512 bytes");
    }
}
