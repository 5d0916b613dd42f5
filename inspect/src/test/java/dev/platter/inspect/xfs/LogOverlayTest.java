package dev.platter.inspect.xfs;

import dev.platter.core.BlockDevice;
import dev.platter.core.Extent;
import dev.platter.core.UnsupportedFeatureException;
import dev.platter.inspect.testing.MemoryDisk;
import org.junit.jupiter.api.Test;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The overlay replay writes into: reads that straddle replayed and device sectors, mappings, strict bounds. */
class LogOverlayTest {

    private static byte[] filled(int len, int value) {
        byte[] b = new byte[len];
        Arrays.fill(b, (byte) value);
        return b;
    }

    @Test
    void readsMixReplayedSectorsWithTheDevice() throws IOException {
        MemoryDisk disk = new MemoryDisk(64 * 1024).put(0, filled(64 * 1024, 1));
        LogOverlay overlay = new LogOverlay(disk.device(), 1 << 20);
        overlay.write(2, filled(1024, 7)); // sectors 2 and 3
        BlockDevice d = overlay.device();
        byte[] got = new byte[1000];
        d.read(900, ByteBuffer.wrap(got));
        for (int i = 0; i < got.length; i++) {
            long pos = 900 + i;
            assertEquals(pos >= 1024 && pos < 2048 ? 7 : 1, got[i], "byte " + pos);
        }
        assertArrayEquals(filled(512, 1), disk.get(1024, 512), "the device is never written");
        assertEquals(1024, overlay.bytes());
        assertTrue(d.isReadOnly());
    }

    @Test
    void mappingsSplitAtReplayedSectors() throws IOException {
        MemoryDisk disk = new MemoryDisk(64 * 1024).put(0, filled(4096, 1));
        LogOverlay overlay = new LogOverlay(disk.device(), 1 << 20);
        overlay.write(16, filled(1024, 7)); // bytes 8192..9215
        BlockDevice d = overlay.device();
        Extent before = d.mapping(4096, 1 << 20);
        assertTrue(before.end() <= 8192, before.toString());
        Extent replayed = d.mapping(8192, 1 << 20);
        assertEquals(Extent.Status.DATA, replayed.status());
        assertEquals(1024, replayed.length());
        Extent after = d.mapping(9216, 100);
        assertEquals(9216, after.start());
    }

    @Test
    void boundsAreStrict() throws IOException {
        MemoryDisk disk = new MemoryDisk(8192);
        LogOverlay overlay = new LogOverlay(disk.device(), 2048);
        BlockDevice d = overlay.device();
        assertThrows(EOFException.class, () -> d.read(8000, ByteBuffer.allocate(512)));
        assertThrows(IllegalArgumentException.class, () -> d.read(-1, ByteBuffer.allocate(1)));
        overlay.write(0, new byte[2048]);
        UnsupportedFeatureException e = assertThrows(UnsupportedFeatureException.class,
                () -> overlay.write(4, new byte[512]));
        assertEquals("xfs log replay size", e.feature());
        assertTrue(e.getMessage().contains("xfs log"), e.getMessage());
    }
}
