package dev.platter.format.vmdk;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.Inflater;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Both compressors (libdeflate, and the JDK's zlib where libdeflate does not load) make records zlib reads back. */
class GrainCompressorTest {
    private static final int GRAIN = 65536;

    @Test
    void bothLibrariesMakeRecordsThatInflateToTheGrain() throws Exception {
        byte[] text = Arrays.copyOf("grain records inflate to their grain; ".repeat(2000)
                .getBytes(StandardCharsets.US_ASCII), GRAIN);
        byte[] random = new byte[GRAIN];
        new Random(1).nextBytes(random);
        if ("1".equals(System.getenv("PLATTER_REQUIRE_TOOLS"))) {
            assertTrue(LibDeflate.available(), "libdeflate (libdeflate0) must load where CI installs it");
        } else if (!LibDeflate.available()) {
            System.out.println("GrainCompressorTest: libdeflate not found; only the JDK's zlib is tested");
        }
        for (boolean lib : LibDeflate.available() ? new boolean[] {true, false} : new boolean[] {false}) {
            GrainCompressor c = new GrainCompressor(GRAIN, 6, lib);
            ByteBuffer record = c.compress(ByteBuffer.wrap(text), 128);
            assertEquals(0, record.remaining() % 512, "records fill whole sectors");
            ByteBuffer le = record.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            assertEquals(128, le.getLong(0), "the LBA");
            int size = le.getInt(8);
            assertTrue(size > 0 && size < GRAIN / 10, "text shrinks: " + size);
            Inflater inf = new Inflater();
            inf.setInput(record.array(), 12, size);
            byte[] out = new byte[GRAIN];
            assertEquals(GRAIN, inf.inflate(out));
            assertTrue(inf.finished());
            inf.end();
            assertArrayEquals(text, out, "libdeflate " + lib);
            assertNull(c.compress(ByteBuffer.wrap(random), 0), "random bytes do not shrink: stored instead");
            ByteBuffer stored = c.stored(ByteBuffer.wrap(random), 0);
            assertTrue(stored.remaining() >= GRAIN + 12);
        }
    }
}
