package dev.platter.core.crypto.luks;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.platter.core.BlockDevice;
import dev.platter.core.StorageDevice;
import dev.platter.core.crypto.HashAlgorithm;
import dev.platter.core.crypto.Pbkdf2;
import dev.platter.core.crypto.Secret;
import dev.platter.core.storage.MemoryStorage;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Coverage-guided fuzzing of the LUKS1 header parser and unlock path. The input is the start of a device (the
 * 592-byte header and what follows), padded with zeros past the payload offset a seed names; the parse must end in
 * a header or an IOException, and where the iteration counts are cheap the unlock runs too (on zeroed key material
 * it can only end in a wrong passphrase or an IOException). A read-only open never changes the device. Seeds
 * (Luks1FuzzTestInputs) are headers laid out as qemu lays them out.
 */
class Luks1FuzzTest {
    static final String[] SEEDS = {"xts-plain64", "cbc-essiv"};
    private static final int DEVICE = (2 << 20) + (64 << 10);
    private static final long CHEAP = 4096;

    @FuzzTest(maxDuration = "10m")
    void header(byte[] input) throws IOException {
        byte[] dev = java.util.Arrays.copyOf(input, Math.max(input.length, DEVICE));
        MemoryStorage storage = new MemoryStorage("fuzz.luks", dev.length);
        storage.write(0, ByteBuffer.wrap(dev));
        BlockDevice device = new StorageDevice(storage, dev.length);
        Luks1Header h;
        try {
            h = Luks1.read(LuksIo.of(device), 0);
        } catch (IOException expected) {
            return;
        }
        assertTrue(h.keyBytes() >= 16 && h.keyBytes() <= 64, "key size");
        boolean cheap = h.mkDigestIterations() <= CHEAP
                && h.slots().stream().allMatch(s -> !s.active() || s.iterations() <= CHEAP);
        if (cheap && LuksDevice.isLuks(device)) {
            try (BlockDevice d = LuksDevice.open(device, Secret.of("fuzz".getBytes(StandardCharsets.UTF_8)),
                    false)) {
                assertTrue(d.size() <= dev.length, "payload larger than the device");
                d.readBytes(0, (int) Math.min(d.size(), 4096));
            } catch (IOException expected) {
                // wrong passphrase, unsupported cipher, payload past the end
            }
        }
        byte[] after = new byte[dev.length];
        storage.readAt(0, ByteBuffer.wrap(after));
        assertArrayEquals(dev, after, "a read-only open changed the device");
    }

    @Test
    void seedsParse() throws IOException {
        for (String seed : SEEDS) {
            byte[] b = seed(seed);
            Luks1Header.parse(ByteBuffer.wrap(b), 0);
            header(b);
        }
    }

    @Test
    void seedsAreUpToDate() throws IOException {
        for (String seed : SEEDS) {
            assertArrayEquals(makeSeed(seed), seed(seed), seed);
        }
    }

    static byte[] seed(String name) throws IOException {
        try (InputStream in = Luks1FuzzTest.class.getResourceAsStream("Luks1FuzzTestInputs/header/" + name)) {
            assertTrue(in != null, name);
            return in.readAllBytes();
        }
    }

    /** A LUKS1 header with slot 0 active (1000 iterations), the rest disabled, in qemu's layout. */
    static byte[] makeSeed(String name) {
        Random r = new Random(name.hashCode());
        String mode;
        int keyBytes;
        switch (name) {
            case "xts-plain64" -> {
                mode = "xts-plain64";
                keyBytes = 64;
            }
            case "cbc-essiv" -> {
                mode = "cbc-essiv:sha256";
                keyBytes = 32;
            }
            default -> throw new IllegalArgumentException(name);
        }
        long slotSectors = ((long) keyBytes * Luks1Header.STRIPES + 4095) / 4096 * 8;
        List<LuksKeySlot> slots = new ArrayList<>();
        for (int i = 0; i < Luks1Header.SLOTS; i++) {
            byte[] salt = new byte[Luks1Header.SALT_BYTES];
            r.nextBytes(salt);
            slots.add(new LuksKeySlot(i == 0, i == 0 ? 1000 : 0, i == 0 ? salt : new byte[32], 8 + i * slotSectors,
                    Luks1Header.STRIPES));
        }
        byte[] key = new byte[keyBytes];
        r.nextBytes(key);
        byte[] salt = new byte[Luks1Header.SALT_BYTES];
        r.nextBytes(salt);
        byte[] digest = Pbkdf2.derive(HashAlgorithm.SHA256, key, salt, 1000, Luks1Header.DIGEST_BYTES);
        Luks1Header h = new Luks1Header("aes", mode, "sha256", 8 + 8 * slotSectors, keyBytes, digest, salt, 1000,
                "0b0e6f5a-8f56-4a4e-9d2c-2b8f0e6f6c11", slots);
        return h.encode();
    }

    /** Writes the seeds into the source tree: run by hand after changing {@link #makeSeed}. */
    public static void main(String[] args) throws IOException {
        java.nio.file.Path dir = java.nio.file.Path.of(args[0]);
        java.nio.file.Files.createDirectories(dir);
        for (String seed : SEEDS) {
            java.nio.file.Files.write(dir.resolve(seed), makeSeed(seed));
        }
    }
}
