package dev.platter.format;

import dev.platter.core.Extent;
import dev.platter.core.image.Image;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What every reader promises on any input, damaged or not, as the fuzz targets check it. */
public final class ReadInvariants {
    private static final int MAX_RUNS = 4096;
    private static final int CHUNK = 8192;

    private ReadInvariants() {
    }

    /** Reads the first and last chunk and a middle one, and walks the map from 0 (bounded). */
    public static void readAndMap(Image image) throws IOException {
        long size = image.size();
        assertTrue(size >= 0, "negative size " + size);
        for (long pos : new long[] {0, size / 2 / CHUNK * CHUNK, Math.max(0, size - CHUNK)}) {
            int len = (int) Math.min(CHUNK, size - pos);
            if (len > 0) {
                readExactly(image, pos, len);
            }
        }
        long pos = 0;
        for (int i = 0; i < MAX_RUNS && pos < size; i++) {
            Extent e = image.mapping(pos, Long.MAX_VALUE);
            assertEquals(pos, e.start(), "mapping runs must be contiguous");
            assertTrue(e.length() > 0 && e.end() <= size, "run " + e + " in a disk of " + size);
            pos = e.end();
        }
    }

    /** A read fills exactly {@code len} bytes of the buffer and nothing around them. */
    public static void readExactly(Image image, long pos, int len) throws IOException {
        byte[] backing = new byte[len + 32];
        Arrays.fill(backing, (byte) 0x5A);
        ByteBuffer dst = ByteBuffer.wrap(backing, 16, len);
        image.read(pos, dst);
        assertEquals(16 + len, dst.position(), "read at " + pos + " of " + len + " bytes");
        for (int i = 0; i < 16; i++) {
            assertEquals(0x5A, backing[i] & 0xFF, "read wrote before its buffer");
            assertEquals(0x5A, backing[16 + len + i] & 0xFF, "read wrote past its buffer");
        }
    }
}
