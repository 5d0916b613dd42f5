package dev.platter.core;

import dev.platter.core.storage.MemoryStorage;
import org.junit.jupiter.api.Test;

import java.io.EOFException;
import java.nio.ByteBuffer;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ConcatDeviceTest {

    private static BlockDevice filled(String name, int size, int value) throws Exception {
        MemoryStorage s = new MemoryStorage(name, size);
        byte[] b = new byte[size];
        java.util.Arrays.fill(b, (byte) value);
        s.write(0, ByteBuffer.wrap(b));
        return new StorageDevice(s, size);
    }

    @Test
    void readsAcrossPartBoundaries() throws Exception {
        ConcatDevice c = new ConcatDevice(List.of(filled("a", 100, 1), filled("b", 0, 9), filled("c", 50, 2),
                filled("d", 10, 3)), "lv", true);
        assertEquals(160, c.size());
        byte[] got = c.readBytes(95, 60);
        for (int i = 0; i < 60; i++) {
            int pos = 95 + i;
            int want = pos < 100 ? 1 : pos < 150 ? 2 : 3;
            assertEquals(want, got[i], "byte " + pos);
        }
    }

    @Test
    void writesAcrossPartBoundaries() throws Exception {
        BlockDevice a = filled("a", 100, 0);
        BlockDevice b = filled("b", 100, 0);
        ConcatDevice c = new ConcatDevice(List.of(a, b), "lv", false);
        byte[] data = new byte[20];
        java.util.Arrays.fill(data, (byte) 7);
        c.write(90, ByteBuffer.wrap(data));
        assertArrayEquals(java.util.Arrays.copyOf(data, 10), a.readBytes(90, 10));
        assertArrayEquals(java.util.Arrays.copyOf(data, 10), b.readBytes(0, 10));
    }

    @Test
    void mappingStopsAtPartBoundary() throws Exception {
        ConcatDevice c = new ConcatDevice(List.of(filled("a", 100, 1), filled("b", 100, 2)), "lv", true);
        Extent first = c.mapping(0, Long.MAX_VALUE);
        assertEquals(0, first.start());
        assertEquals(100, first.length());
        assertEquals("a", first.hostName());
        Extent second = c.mapping(100, Long.MAX_VALUE);
        assertEquals(100, second.start());
        assertEquals("b", second.hostName());
        assertEquals(0, second.hostOffset());
    }

    @Test
    void boundsAreChecked() throws Exception {
        ConcatDevice c = new ConcatDevice(List.of(filled("a", 100, 1)), "lv", true);
        assertThrows(EOFException.class, () -> c.read(90, ByteBuffer.allocate(11)));
        assertThrows(IllegalArgumentException.class, () -> c.read(-5, ByteBuffer.allocate(1)));
        assertThrows(EOFException.class, () -> c.mapping(100, 1));
    }
}
