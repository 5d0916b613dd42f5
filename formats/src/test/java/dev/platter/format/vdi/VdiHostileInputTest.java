package dev.platter.format.vdi;

import dev.platter.core.CorruptImageException;
import dev.platter.core.UnsupportedFeatureException;
import dev.platter.core.image.Image;
import dev.platter.core.image.ImageCheck;
import dev.platter.core.image.OpenOptions;
import dev.platter.core.storage.MemoryStorage;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hostile VDIs end in one-line errors naming the structure and, where there is one, the offset, before anything
 * large is allocated; what qemu refuses is refused with qemu's words.
 */
class VdiHostileInputTest {
    static Image open(byte[] file, boolean readOnly) throws IOException {
        MemoryStorage s = new MemoryStorage("hostile.vdi", file.length);
        s.write(0, ByteBuffer.wrap(file));
        OpenOptions o = readOnly ? OpenOptions.readOnlyDefaults() : OpenOptions.readWriteDefaults();
        return new VdiFormat().open(s, o.withFormat("vdi"));
    }

    private static <T extends IOException> T fails(Class<T> kind, byte[] file, String expected) {
        T e = assertThrows(kind, () -> {
            try (Image image = open(file, true)) {
                image.readBytes(0, (int) image.size());
                for (long pos = 0; pos < image.size(); pos = image.mapping(pos, image.size() - pos).end()) {
                    // the whole map
                }
            }
        });
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        return e;
    }

    private static byte[] patch(byte[] file, int at, int value) {
        ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).putInt(at, value);
        return file;
    }

    private static byte[] patchLong(byte[] file, int at, long value) {
        ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).putLong(at, value);
        return file;
    }

    @Test
    void theTinyImageIsSound() throws IOException {
        try (Image image = open(new TinyVdi().build(), true)) {
            assertEquals(3 << 20, image.size());
            assertEquals(1, image.readBytes(0, 1)[0]);
            assertEquals(0, image.readBytes(1 << 20, 1)[0]);
            assertEquals(3, image.readBytes(2 << 20, 1)[0]);
            assertEquals(0, image.check(ImageCheck.Repair.NONE).corruptions());
        }
    }

    @Test
    void hugeBlockMap() {
        // qemu's largest map, in a file of a few KiB: refused before anything is allocated
        byte[] f = patch(new TinyVdi().build(), VdiHeader.OFF_BLOCKS, (int) VdiHeader.MAX_BLOCKS);
        fails(CorruptImageException.class, f, "536870784 entries run past the end of the file");
        fails(UnsupportedFeatureException.class, patch(new TinyVdi().build(), VdiHeader.OFF_BLOCKS, -1),
                "unsupported VDI image (too many blocks 4294967295, max is 536870784)");
    }

    @Test
    void blockMapOutsideTheFile() {
        fails(CorruptImageException.class, patch(new TinyVdi().build(), VdiHeader.OFF_BMAP, 0x7ffffe00),
                "vdi block map of 'hostile.vdi' at offset 2147483136");
        fails(UnsupportedFeatureException.class, patch(new TinyVdi().build(), VdiHeader.OFF_BMAP, 0x201),
                "unsupported VDI image (unaligned block map offset 0x201)");
    }

    @Test
    void blockPastTheImagesBlocks() {
        TinyVdi t = new TinyVdi();
        byte[] f = patch(t.build(), 512 + 4, 0x7fff0000);
        fails(CorruptImageException.class, f, "block 1 names data block 2147418112, past the 3 blocks of the image");
    }

    @Test
    void blockPastTheEndOfTheFile() {
        byte[] f = patch(new TinyVdi().build(), VdiHeader.OFF_DATA, 0x7ffffe00);
        fails(CorruptImageException.class, f, "block 0 lies at offset 2147483136, past the end of the file");
        fails(CorruptImageException.class, patch(new TinyVdi().build(), 512 + 4, 2), "block 1 lies at offset 2098176, past the end of the file");
    }

    @Test
    void absurdBlockSizes() {
        for (int size : new int[] {0, 3, 0x80000000, 1000}) {
            fails(CorruptImageException.class, patch(new TinyVdi().build(), VdiHeader.OFF_BLOCK_SIZE, size),
                    "unsupported VDI image (block size " + Integer.toUnsignedString(size) + " is not 1048576)");
        }
        // VirtualBox can make other powers of two; qemu and Platter read only 1 MiB blocks
        fails(UnsupportedFeatureException.class, patch(new TinyVdi().build(), VdiHeader.OFF_BLOCK_SIZE, 2 << 20),
                "unsupported VDI image (block size 2097152 is not 1048576)");
    }

    @Test
    void hugeOrOddDiskSizes() {
        fails(UnsupportedFeatureException.class, patchLong(new TinyVdi().build(), VdiHeader.OFF_DISK_SIZE, -1L),
                "Unsupported VDI image size (size is 0xffffffffffffffff, max supported is 0x1fffff8000000)");
        fails(CorruptImageException.class, patchLong(new TinyVdi().build(), VdiHeader.OFF_DISK_SIZE, 4L << 20),
                "disk size 4194304, image bitmap has room for 3145728");
    }

    @Test
    void headerFieldsQemuRefuses() {
        fails(CorruptImageException.class, new byte[100], "Image not in VDI format (bad signature 00000000)");
        fails(UnsupportedFeatureException.class, patch(new TinyVdi().build(), VdiHeader.OFF_VERSION, 0x10002),
                "unsupported VDI image (version 1.2)");
        fails(UnsupportedFeatureException.class, patch(new TinyVdi().build(), VdiHeader.OFF_SECTOR_SIZE, 4096),
                "unsupported VDI image (sector size 4096 is not 512)");
        fails(UnsupportedFeatureException.class, patch(new TinyVdi().build(), VdiHeader.OFF_UUID_PARENT, 1),
                "unsupported VDI image (non-NULL parent UUID)");
        fails(UnsupportedFeatureException.class, patch(new TinyVdi().build(), VdiHeader.OFF_UUID_LINK + 15, 1),
                "unsupported VDI image (non-NULL link UUID)");
    }

    /** A map whose entries overlap still reads (as qemu reads it); check says what qemu's check says. */
    @Test
    void sharedAndStrayEntriesAreCheckErrors() throws IOException {
        TinyVdi t = new TinyVdi();
        t.entries = new int[] {0, 0, 7};
        try (Image image = open(t.build(), true)) {
            assertEquals(image.readBytes(0, 512)[0], image.readBytes(1 << 20, 512)[0]);
            ImageCheck c = image.check(ImageCheck.Repair.NONE);
            assertEquals(3, c.corruptions());
            assertEquals(List.of("ERROR: block index 0 also used by 0", "ERROR: block index 2 too large, is 7",
                    "ERROR: allocated blocks mismatch, is 2, should be 3"), c.messages());
        }
    }

    /** A map over the header or a data area over the map is read, never written into. */
    @Test
    void overlappingLayoutsAreNotWritable() throws IOException {
        byte[] f = patch(new TinyVdi().build(), VdiHeader.OFF_BMAP, 0);
        byte[] before = f.clone();
        CorruptImageException e = assertThrows(CorruptImageException.class, () -> open(f, false).close());
        assertTrue(e.getMessage().contains("overlap"), e.getMessage());
        assertArrayEquals(before, f);
        byte[] g = patch(new TinyVdi().build(), VdiHeader.OFF_DATA, 512);
        assertThrows(CorruptImageException.class, () -> open(g, false).close());
    }
}
