package dev.platter.core.crypto;

import dev.platter.core.storage.MemoryStorage;
import org.junit.jupiter.api.Test;

import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Legacy qcow AES against an independent encryption with the JDK's AES/CBC (the key the passphrase zero-padded to
 * 16 bytes, the IV the little-endian guest sector number): any piece of the guest range, wherever its ciphertext
 * lies in the file, decrypts to the plaintext; the passphrase is cut at 16 bytes; non-text passphrases are refused.
 */
class LegacyAesTest {
    private static final long GUEST = 2048L * 512; // qcow2.md's vector: guest 1 MiB ...
    private static final long HOST = 0x50000; // ... stored in host cluster 0x50000

    private static byte[] encrypt(byte[] key16, long firstSector, byte[] plain) throws Exception {
        Cipher c = Cipher.getInstance("AES/CBC/NoPadding");
        byte[] out = new byte[plain.length];
        for (int s = 0; s < plain.length / 512; s++) {
            byte[] iv = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(firstSector + s).array();
            c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key16, "AES"), new IvParameterSpec(iv));
            c.doFinal(plain, s * 512, 512, out, s * 512);
        }
        return out;
    }

    private static byte[] key16(String passphrase) {
        return Arrays.copyOf(passphrase.getBytes(StandardCharsets.UTF_8), 16);
    }

    private static Secret secret(String s) {
        return Secret.of(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void everyPieceOfTheGuestRangeDecrypts() throws Exception {
        byte[] plain = new byte[8 * 512];
        new Random(7).nextBytes(plain);
        MemoryStorage file = new MemoryStorage("aes.qcow2", HOST + plain.length);
        file.write(HOST, ByteBuffer.wrap(encrypt(key16("PW"), GUEST / 512, plain)));
        try (LegacyAes aes = LegacyAes.forPassphrase(secret("PW"))) {
            int[][] pieces = {{0, plain.length}, {0, 512}, {100, 1500}, {511, 2}, {512, 512}, {3000, 1096},
                    {4095, 1}};
            for (int[] p : pieces) {
                ByteBuffer dst = ByteBuffer.allocate(p[1]);
                aes.read(file, HOST + p[0], GUEST + p[0], dst);
                assertFalse(dst.hasRemaining());
                assertArrayEquals(Arrays.copyOfRange(plain, p[0], p[0] + p[1]), dst.array(), p[0] + "+" + p[1]);
            }
        }
    }

    @Test
    void theIvIsTheGuestSectorNotTheHostOne() throws Exception {
        byte[] plain = new byte[512];
        Arrays.fill(plain, (byte) 0x5a);
        MemoryStorage file = new MemoryStorage("aes.qcow2", HOST + 512);
        file.write(HOST, ByteBuffer.wrap(encrypt(key16("abc123"), HOST / 512, plain)));
        try (LegacyAes aes = LegacyAes.forPassphrase(secret("abc123"))) {
            ByteBuffer dst = ByteBuffer.allocate(512);
            aes.read(file, HOST, GUEST, dst);
            // CBC with the wrong IV garbles the first block only
            assertFalse(Arrays.equals(Arrays.copyOf(plain, 16), Arrays.copyOf(dst.array(), 16)));
            assertArrayEquals(Arrays.copyOfRange(plain, 16, 512), Arrays.copyOfRange(dst.array(), 16, 512));
        }
    }

    @Test
    void thePassphraseIsCutAtSixteenBytes() throws Exception {
        byte[] plain = new byte[1024];
        new Random(3).nextBytes(plain);
        MemoryStorage file = new MemoryStorage("aes.qcow", 1024);
        file.write(0, ByteBuffer.wrap(encrypt(key16("0123456789abcdef"), 0, plain)));
        for (String pw : new String[] {"0123456789abcdef", "0123456789abcdefXYZ"}) {
            try (LegacyAes aes = LegacyAes.forPassphrase(secret(pw))) {
                ByteBuffer dst = ByteBuffer.allocate(1024);
                aes.read(file, 0, 0, dst);
                assertArrayEquals(plain, dst.array(), pw);
            }
        }
    }

    @Test
    void pastTheEndOfTheFileTheCiphertextIsZeros() throws Exception {
        MemoryStorage file = new MemoryStorage("short.qcow", 0);
        byte[] expected = new byte[512];
        Cipher c = Cipher.getInstance("AES/CBC/NoPadding");
        byte[] iv = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(9).array();
        c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key16("PW"), "AES"), new IvParameterSpec(iv));
        c.doFinal(new byte[512], 0, 512, expected, 0);
        try (LegacyAes aes = LegacyAes.forPassphrase(secret("PW"))) {
            ByteBuffer dst = ByteBuffer.allocate(512);
            aes.read(file, 4096, 9 * 512, dst);
            assertArrayEquals(expected, dst.array());
        }
    }

    @Test
    void passphrasesThatAreNotTextAreRefusedAsQemuRefusesThem() {
        for (byte[] bad : new byte[][] {{'P', (byte) 0xff, 'W'}, {'P', 0, 'W'}}) {
            IOException e = assertThrows(IOException.class, () -> LegacyAes.forPassphrase(Secret.of(bad)));
            assertEquals("Data from the key secret is not valid UTF-8", e.getMessage());
        }
    }

    @Test
    void offsetsAtDifferentPlacesOfASectorAreAMistake() throws IOException {
        try (LegacyAes aes = LegacyAes.forPassphrase(secret("PW"))) {
            assertThrows(IllegalArgumentException.class, () -> aes.read(new MemoryStorage("x", 4096), 1024 + 8,
                    512, ByteBuffer.allocate(16)));
        }
    }
}
