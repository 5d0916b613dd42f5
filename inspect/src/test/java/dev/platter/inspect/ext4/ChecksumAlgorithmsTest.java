package dev.platter.inspect.ext4;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The raw CRC-32C and the descriptor CRC-16 against their check values and the JDK's CRC32C. */
class ChecksumAlgorithmsTest {

    @Test
    void crc32cCheckValue() {
        byte[] b = "123456789".getBytes(StandardCharsets.US_ASCII);
        assertEquals(0x1CF96D7C, Crc32c.update(0xFFFFFFFF, b));
    }

    @Test
    void crc32cAgreesWithTheJdkAtEveryLengthAndOffset() {
        Random r = new Random(42);
        byte[] data = new byte[4096 + 64];
        r.nextBytes(data);
        for (int len = 0; len < 200; len++) {
            for (int off = 0; off < 9; off++) {
                CRC32C jdk = new CRC32C();
                jdk.update(data, off, len);
                assertEquals((int) jdk.getValue(), ~Crc32c.update(0xFFFFFFFF, data, off, len), len + "@" + off);
            }
        }
        // Chaining is the same as one pass; zeros fed as zeros.
        int whole = Crc32c.update(0x12345678, data, 0, 4096);
        int chained = Crc32c.update(Crc32c.update(0x12345678, data, 0, 1000), data, 1000, 3096);
        assertEquals(whole, chained);
        assertEquals(Crc32c.update(7, new byte[13]), Crc32c.updateZeros(7, 13));
    }

    @Test
    void crc16CheckValue() {
        byte[] b = "123456789".getBytes(StandardCharsets.US_ASCII);
        assertEquals(0x4B37, Crc16.update(0xFFFF, b, 0, b.length));
    }
}
