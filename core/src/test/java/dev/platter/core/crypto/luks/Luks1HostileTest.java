package dev.platter.core.crypto.luks;

import dev.platter.core.CorruptImageException;
import dev.platter.core.StorageDevice;
import dev.platter.core.crypto.CipherSpec;
import dev.platter.core.crypto.HashAlgorithm;
import dev.platter.core.crypto.Secret;
import dev.platter.core.crypto.UnsupportedCipherException;
import dev.platter.core.crypto.WrongPassphraseException;
import dev.platter.core.storage.MemoryStorage;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Damaged and hostile LUKS1 headers: each a one-line error, never a hang or a huge allocation. */
class Luks1HostileTest {
    private static final Secret PW = Secret.of("pw".getBytes(StandardCharsets.UTF_8));
    private MemoryStorage disk;

    @BeforeEach
    void volume() throws IOException {
        disk = new MemoryStorage("v.luks", 4 << 20);
        Luks1.create(io(), CipherSpec.qemuDefault(), HashAlgorithm.SHA256, 1, PW, new SecureRandom());
    }

    private LuksIo io() {
        return LuksIo.of(new StorageDevice(disk, 4 << 20));
    }

    private void putInt(long at, int v) throws IOException {
        disk.write(at, ByteBuffer.allocate(4).putInt(0, v));
    }

    private void putText(long at, String s) throws IOException {
        disk.write(at, ByteBuffer.wrap((s + "\0").getBytes(StandardCharsets.US_ASCII)));
    }

    private Exception open() {
        return assertThrows(Exception.class, () -> assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            Luks1Header h = Luks1.read(io(), 0);
            Luks1.unlock(h, io(), PW, 0);
        }));
    }

    private static void oneLine(Exception e, String contains) {
        assertTrue(e.getMessage().contains(contains), e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
    }

    @Test
    void theUntouchedVolumeOpens() throws IOException {
        Luks1Header h = Luks1.read(io(), 0);
        Secret.wipe(Luks1.unlock(h, io(), PW, 0).masterKey());
    }

    @Test
    void aWrongPassphraseAndADamagedSlotAreRefused() throws IOException {
        Luks1Header h = Luks1.read(io(), 0);
        assertThrows(WrongPassphraseException.class, () -> Luks1.unlock(h, io(), Secret.of(new byte[] {1}), 0));
        disk.write(4096 + 1000, ByteBuffer.wrap(new byte[64])); // the key material of slot 0, damaged
        Exception e = open();
        assertTrue(e instanceof WrongPassphraseException, e.toString());
    }

    @Test
    void anUnknownCipherIsNamed() throws IOException {
        putText(8, "twofish");
        Exception e = open();
        assertTrue(e instanceof UnsupportedCipherException, e.toString());
        oneLine(e, "cipher 'twofish-xts-plain64' is not supported");
        putText(8, "aes");
        putText(40, "xts-benbi");
        oneLine(open(), "IV generator 'benbi' is not supported");
        putText(40, "xts-plain64");
        putText(72, "whirlpool");
        oneLine(open(), "hash algorithm 'whirlpool' is not supported");
    }

    @Test
    void absurdIterationCountsAreRefusedNotRun() throws IOException {
        putInt(208 + 4, -1); // slot 0: 2^32 - 1 iterations
        Exception e = open();
        assertTrue(e instanceof CorruptImageException, e.toString());
        oneLine(e, "key slot 0 asks for 4294967295 PBKDF2 iterations");
        putInt(208 + 4, 1000);
        putInt(164, -1); // master key digest
        oneLine(open(), "master key digest asks for 4294967295 PBKDF2 iterations");
    }

    @Test
    void inconsistentGeometryIsCorruption() throws IOException {
        putInt(108, 1 << 30); // master key length
        oneLine(open(), "master key length 1073741824 bytes is outside 16..64");
        putInt(108, 64);
        putInt(208 + 44, 1 << 30); // stripes of slot 0
        oneLine(open(), "key slot 0 has 1073741824 stripes, LUKS1 has 4000");
        putInt(208 + 44, 4000);
        putInt(208 + 48 + 40, 8); // slot 1's material on slot 0's
        oneLine(open(), "key slot 1 material overlaps key slot 0's");
        putInt(208 + 48 + 40, 512);
        putInt(104, 100); // the payload inside the key material
        oneLine(open(), "overlaps the payload at sector 100");
        putInt(104, 4040);
        putInt(208, 0x12345678);
        oneLine(open(), "key slot 0 state 0x12345678 is neither active nor disabled");
        disk.write(0, ByteBuffer.wrap(new byte[] {'L', 'U', 'K', 'S', (byte) 0xba, (byte) 0xbe, 0, 3}));
        oneLine(open(), "version 3, expected 1");
    }

    @Test
    void aTruncatedHeaderIsCorruption() {
        MemoryStorage tiny = new MemoryStorage("t", 100);
        Exception e = assertThrows(IOException.class,
                () -> Luks1.read(LuksIo.of(new StorageDevice(tiny, 100)), 0));
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
    }
}
