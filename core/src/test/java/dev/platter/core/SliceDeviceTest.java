package dev.platter.core;

import dev.platter.core.storage.MemoryStorage;
import org.junit.jupiter.api.Test;

import java.io.EOFException;
import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SliceDeviceTest {

    private static BlockDevice patterned(long size) throws Exception {
        MemoryStorage s = new MemoryStorage("mem", size);
        byte[] b = new byte[(int) size];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (i * 7 + 3);
        }
        s.write(0, ByteBuffer.wrap(b));
        return new StorageDevice(s, size);
    }

    @Test
    void readsAndWritesThroughTheWindow() throws Exception {
        BlockDevice disk = patterned(4096);
        SliceDevice slice = SliceDevice.of(disk, 1024, 2048, "partition 1");
        assertEquals(2048, slice.size());
        assertArrayEquals(disk.readBytes(1024 + 100, 50), slice.readBytes(100, 50));

        slice.write(0, ByteBuffer.wrap(new byte[] {1, 2, 3}));
        assertArrayEquals(new byte[] {1, 2, 3}, disk.readBytes(1024, 3));
        assertEquals("mem [partition 1]", slice.describe());
    }

    @Test
    void refusesRangesOutsideTheWindow() throws Exception {
        BlockDevice disk = patterned(4096);
        SliceDevice slice = SliceDevice.of(disk, 1024, 2048, "p1");
        assertThrows(EOFException.class, () -> slice.read(2040, ByteBuffer.allocate(16)));
        assertThrows(EOFException.class, () -> slice.read(2049, ByteBuffer.allocate(0)));
        assertThrows(IllegalArgumentException.class, () -> slice.read(-1, ByteBuffer.allocate(1)));
        assertThrows(EOFException.class, () -> slice.write(2047, ByteBuffer.allocate(2)));
        // Exactly to the end is fine, and an empty read at the end too.
        slice.read(2047, ByteBuffer.allocate(1));
        slice.read(2048, ByteBuffer.allocate(0));
    }

    @Test
    void refusesAWindowPastTheParent() throws Exception {
        BlockDevice disk = patterned(4096);
        assertThrows(EOFException.class, () -> SliceDevice.of(disk, 4000, 200, "p9"));
        assertThrows(EOFException.class, () -> SliceDevice.of(disk, Long.MAX_VALUE - 10, 100, "p9"));
    }

    @Test
    void mappingIsTranslatedAndClipped() throws Exception {
        MemoryStorage s = new MemoryStorage("mem", 1 << 20);
        s.write(256 * 1024, ByteBuffer.wrap(new byte[64 * 1024]));
        BlockDevice disk = new StorageDevice(s, 1 << 20);
        SliceDevice slice = SliceDevice.of(disk, 128 * 1024, 512 * 1024, "p1");

        Extent hole = slice.mapping(0, Long.MAX_VALUE);
        assertEquals(0, hole.start());
        assertEquals(128 * 1024, hole.length());
        assertEquals(Extent.Status.ZERO, hole.status());

        Extent data = slice.mapping(128 * 1024, Long.MAX_VALUE);
        assertEquals(Extent.Status.DATA, data.status());
        assertEquals(64 * 1024, data.length());
        assertEquals(256 * 1024, data.hostOffset(), "host offsets stay host offsets");

        Extent tail = slice.mapping(192 * 1024, Long.MAX_VALUE);
        assertEquals(512 * 1024 - 192 * 1024, tail.length(), "clipped at the slice's end");
        assertThrows(EOFException.class, () -> slice.mapping(512 * 1024, 1));
    }
}
