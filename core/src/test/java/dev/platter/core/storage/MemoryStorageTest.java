package dev.platter.core.storage;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertEquals;

class MemoryStorageTest {

    @Test
    void unwrittenPagesAreHoles() throws Exception {
        MemoryStorage s = new MemoryStorage("m", 1L << 40);
        s.write(MemoryStorage.PAGE * 10L + 5, ByteBuffer.wrap(new byte[] {1}));
        assertEquals(new HostRun(false, MemoryStorage.PAGE * 10L), s.run(0));
        assertEquals(new HostRun(true, MemoryStorage.PAGE), s.run(MemoryStorage.PAGE * 10L));
        assertEquals(new HostRun(false, (1L << 40) - MemoryStorage.PAGE * 11L), s.run(MemoryStorage.PAGE * 11L));
        ByteBuffer b = ByteBuffer.allocate(8);
        s.readFully(MemoryStorage.PAGE * 10L, b);
        assertEquals(1, b.get(5));
    }

    @Test
    void shrinkingDropsBytes() throws Exception {
        MemoryStorage s = new MemoryStorage("m", 0);
        s.write(0, ByteBuffer.wrap(new byte[] {1, 2, 3, 4}));
        s.setSize(2);
        s.setSize(4);
        ByteBuffer b = ByteBuffer.allocate(4);
        s.readFully(0, b);
        assertEquals(0, b.get(2));
        assertEquals(2, b.get(1));
    }
}
