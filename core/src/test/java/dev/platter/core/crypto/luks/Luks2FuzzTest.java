package dev.platter.core.crypto.luks;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.platter.core.BlockDevice;
import dev.platter.core.StorageDevice;
import dev.platter.core.crypto.Secret;
import dev.platter.core.storage.MemoryStorage;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Coverage-guided fuzzing of the LUKS2 reader, over a valid {@link TinyLuks2} volume (which the unchanged seeds open
 * with its passphrase):
 * <ul>
 * <li>{@code headerCopies}: the input replaces the start of the volume (both 16 KiB header copies and what a larger
 * header would hold), checksums as given: binary header checks, checksum, the copy choice and the secondary scan;
 * <li>{@code jsonMetadata}: the input is the JSON text, written into both copies with correct checksums, so that
 * every mutation reaches the JSON parser and the metadata checks.
 * </ul>
 * Either ends in an open device, whose reads stay inside it, or an IOException; key derivation runs only where the
 * header's costs are cheap, and a read-only open never changes the device.
 */
class Luks2FuzzTest {
    private static final byte[] BASE = new TinyLuks2().build();
    private static final long CHEAP_ITERATIONS = 4096;
    private static final long CHEAP_ARGON2_KIB = 4096;

    @FuzzTest(maxDuration = "10m")
    void headerCopies(byte[] input) throws IOException {
        byte[] dev = BASE.clone();
        System.arraycopy(input, 0, dev, 0, Math.min(input.length, dev.length));
        openAndRead(dev);
    }

    @FuzzTest(maxDuration = "10m")
    void jsonMetadata(byte[] json) throws IOException {
        byte[] dev = BASE.clone();
        writeJson(dev, 0, json);
        writeJson(dev, TinyLuks2.HDR_SIZE, json);
        openAndRead(dev);
    }

    private static void writeJson(byte[] dev, long at, byte[] json) {
        int area = (int) TinyLuks2.HDR_SIZE - 4096;
        Arrays.fill(dev, (int) at + 4096, (int) (at + TinyLuks2.HDR_SIZE), (byte) 0);
        System.arraycopy(json, 0, dev, (int) at + 4096, Math.min(json.length, area));
        TinyLuks2.fixChecksum(dev, at, TinyLuks2.HDR_SIZE);
    }

    private static void openAndRead(byte[] dev) throws IOException {
        MemoryStorage storage = new MemoryStorage("fuzz.luks2", dev.length);
        storage.write(0, ByteBuffer.wrap(dev));
        BlockDevice device = new StorageDevice(storage, dev.length);
        Luks2Header h;
        try {
            h = Luks2Header.read(LuksIo.of(device), dev.length);
        } catch (IOException expected) {
            return;
        }
        assertTrue(h.areasEnd() <= dev.length, "header areas past the device");
        if (cheap(h.metadata())) {
            try (BlockDevice d = LuksDevice.open(device,
                    Secret.of(TinyLuks2.PASSPHRASE.getBytes(StandardCharsets.UTF_8)), false)) {
                assertTrue(d.size() <= dev.length - h.areasEnd(), "segment larger than the device");
                assertTrue(d.isReadOnly(), "LUKS2 opens read-only");
                if (d.size() > 0) {
                    d.readBytes(0, (int) Math.min(d.size(), 4096));
                    d.readBytes(d.size() - 1, 1);
                }
            } catch (IOException expected) {
                // wrong passphrase, unsupported, corrupt
            }
        }
        byte[] after = new byte[dev.length];
        storage.readAt(0, ByteBuffer.wrap(after));
        assertArrayEquals(dev, after, "a read-only open changed the device");
    }

    /** Whether unlocking costs little enough for a fuzzing run (the real bounds allow about a minute per key). */
    private static boolean cheap(Luks2Metadata md) {
        for (Luks2Metadata.Keyslot ks : md.keyslots()) {
            Luks2Metadata.Kdf k = ks.kdf();
            if (k.isPbkdf2() ? k.iterations() > CHEAP_ITERATIONS : k.time() * k.memoryKib() > CHEAP_ARGON2_KIB) {
                return false;
            }
        }
        return md.digests().stream().allMatch(d -> d.iterations() <= CHEAP_ITERATIONS);
    }

    @Test
    void seedsOpen() throws IOException {
        byte[] copies = seed("headerCopies", "tiny");
        byte[] dev = BASE.clone();
        System.arraycopy(copies, 0, dev, 0, copies.length);
        try (BlockDevice d = LuksDevice.open(TinyLuks2.device(dev),
                Secret.of(TinyLuks2.PASSPHRASE.getBytes(StandardCharsets.UTF_8)), false)) {
            assertTrue(d.size() > 0);
        }
        headerCopies(copies);
        jsonMetadata(seed("jsonMetadata", "tiny"));
    }

    @Test
    void seedsAreUpToDate() throws IOException {
        assertArrayEquals(Arrays.copyOf(BASE, (int) (2 * TinyLuks2.HDR_SIZE)), seed("headerCopies", "tiny"));
        assertArrayEquals(json(), seed("jsonMetadata", "tiny"));
    }

    private static byte[] json() throws IOException {
        return TinyLuks2.MAPPER.writeValueAsBytes(new TinyLuks2().json);
    }

    static byte[] seed(String method, String name) throws IOException {
        try (InputStream in = Luks2FuzzTest.class.getResourceAsStream("Luks2FuzzTestInputs/" + method + "/"
                + name)) {
            assertTrue(in != null, method + "/" + name);
            return in.readAllBytes();
        }
    }

    /** Writes the seeds under the given resources folder: run by hand after changing {@link TinyLuks2}. */
    public static void main(String[] args) throws IOException {
        java.nio.file.Path dir = java.nio.file.Path.of(args[0]);
        java.nio.file.Files.createDirectories(dir.resolve("headerCopies"));
        java.nio.file.Files.createDirectories(dir.resolve("jsonMetadata"));
        java.nio.file.Files.write(dir.resolve("headerCopies/tiny"), Arrays.copyOf(BASE,
                (int) (2 * TinyLuks2.HDR_SIZE)));
        java.nio.file.Files.write(dir.resolve("jsonMetadata/tiny"), json());
    }
}
