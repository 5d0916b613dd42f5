package dev.platter.operation;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** qemu-img's zero detection rules (is_allocated_sectors and its _min variant). */
class ZeroScanTest {
    private static ByteBuffer sectors(String pattern) {
        ByteBuffer b = ByteBuffer.allocate(pattern.length() * 512);
        for (int i = 0; i < pattern.length(); i++) {
            if (pattern.charAt(i) == 'D') {
                b.put(i * 512 + 100, (byte) 1);
            }
        }
        return b;
    }

    @Test
    void isZeroLooksAtEveryByte() {
        ByteBuffer b = ByteBuffer.allocateDirect(4099);
        assertTrue(ZeroScan.isZero(b, 0, 4099));
        b.put(4098, (byte) 1);
        assertFalse(ZeroScan.isZero(b, 0, 4099));
        assertTrue(ZeroScan.isZero(b, 0, 4098));
        assertFalse(ZeroScan.isZero(b, 4097, 2));
    }

    @Test
    void uniformBuffersAreOneRun() {
        assertEquals(16, ZeroScan.run(sectors("DDDDDDDDDDDDDDDD"), 0, 16, 16 * 512, 0, 8));
        assertEquals(-16, ZeroScan.run(sectors("ZZZZZZZZZZZZZZZZ"), 0, 16, 16 * 512, 0, 8));
    }

    @Test
    void runEndsAreAligned() {
        // Data up to sector 3, then zeros: the data run is extended to the alignment boundary (8).
        assertEquals(8, ZeroScan.run(sectors("DDDZZZZZZZZZZZZZ"), 0, 16, 16 * 512, 0, 8));
        // Zeros up to sector 10, then data: the zero run is cut back to the boundary (8).
        assertEquals(-8, ZeroScan.run(sectors("ZZZZZZZZZZDDDDDD"), 0, 16, 16 * 512, 0, 8));
        // A short zero head before data within the same aligned block counts as data.
        assertEquals(8, ZeroScan.run(sectors("ZZZDDDDDZZZZZZZZ"), 0, 16, 16 * 512, 0, 8));
    }

    @Test
    void shortZeroGapsInsideDataAreKept() {
        // 4 zero sectors (2 KiB) inside data are shorter than -S 4k: one write.
        assertEquals(24, ZeroScan.runMin(sectors("DDDDDDDDZZZZDDDDDDDDDDDD"), 0, 24, 0, 8, 8));
        // 8 zero sectors are a hole.
        assertEquals(8, ZeroScan.runMin(sectors("DDDDDDDDZZZZZZZZDDDDDDDD"), 0, 24, 0, 8, 8));
        assertEquals(-8, ZeroScan.runMin(sectors("ZZZZZZZZDDDDDDDD"), 0, 16, 0, 8, 8));
    }
}
