package dev.platter.core.crypto.luks;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.platter.core.BlockDevice;
import dev.platter.core.CorruptImageException;
import dev.platter.core.UnsupportedFeatureException;
import dev.platter.core.crypto.Argon2;
import dev.platter.core.crypto.Pbkdf2;
import dev.platter.core.crypto.Secret;
import dev.platter.core.crypto.UnsupportedCipherException;
import dev.platter.core.crypto.WrongPassphraseException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * LUKS2 headers built by {@link TinyLuks2} (valid, then changed one field at a time, checksums recomputed on both
 * copies): what opens, and every bound the reader enforces, each a one-line error naming what is wrong.
 */
class Luks2HeaderTest {

    private static BlockDevice open(byte[] dev) throws IOException {
        return open(dev, TinyLuks2.PASSPHRASE);
    }

    private static BlockDevice open(byte[] dev, String pw) throws IOException {
        return LuksDevice.open(TinyLuks2.device(dev), Secret.of(pw.getBytes(StandardCharsets.UTF_8)), false);
    }

    /** {@code change} applied to the metadata of a fresh volume; opening it must fail with {@code type}. */
    private static <T extends IOException> String refused(Class<T> type, Consumer<TinyLuks2> change) {
        TinyLuks2 t = new TinyLuks2();
        change.accept(t);
        byte[] dev = t.build();
        return oneLine(assertThrows(type, () -> open(dev).close()));
    }

    private static String oneLine(Throwable e) {
        String m = e.getMessage();
        assertFalse(m.contains("\n"), m);
        return m;
    }

    private static void contains(String message, String part) {
        assertTrue(message.contains(part), message);
    }

    @Test
    void aValidVolumeOpensAndDecrypts() throws IOException {
        TinyLuks2 t = new TinyLuks2();
        byte[] dev = t.build();
        try (BlockDevice d = open(dev)) {
            assertEquals(t.dataBytes, d.size());
            assertTrue(d.isReadOnly());
            assertArrayEquals(t.plaintext, d.readBytes(0, t.dataBytes));
        }
        Luks2Header h = Luks2Header.read(LuksIo.of(TinyLuks2.device(dev)), dev.length);
        assertEquals(0, h.offset());
        assertEquals("6f1f5c39-2f4e-4c57-9a49-0b1c8e3f2a10", LuksDevice.uuid(TinyLuks2.device(dev)));
        Luks2.Unlocked u = Luks2.unlock(h, LuksIo.of(TinyLuks2.device(dev)),
                Secret.of(TinyLuks2.PASSPHRASE.getBytes(StandardCharsets.UTF_8)));
        assertArrayEquals(t.volumeKey, u.volumeKey());
        assertEquals(0, u.keyslot());
    }

    @Test
    void sectorSizeAndIvTweakAreHonoured() throws IOException {
        for (int sector : new int[] {512, 4096}) {
            TinyLuks2 t = new TinyLuks2(32, "aes-cbc-essiv:sha256", sector, 12345);
            try (BlockDevice d = open(t.build())) {
                assertArrayEquals(t.plaintext, d.readBytes(0, t.dataBytes), "sector " + sector);
            }
        }
    }

    @Test
    void aWrongPassphraseSaysSo() {
        byte[] dev = new TinyLuks2().build();
        WrongPassphraseException e = assertThrows(WrongPassphraseException.class, () -> open(dev, "nope"));
        assertEquals("No key available with this passphrase.", e.getMessage());
    }

    @Test
    void writableIsRefused() {
        byte[] dev = new TinyLuks2().build();
        UnsupportedFeatureException e = assertThrows(UnsupportedFeatureException.class, () -> LuksDevice.open(
                TinyLuks2.device(dev), Secret.of(TinyLuks2.PASSPHRASE.getBytes(StandardCharsets.UTF_8)), true));
        contains(oneLine(e), "read-only");
    }

    @Test
    void priorityIgnoreSlotsAreNeverTried() {
        String m = refused(WrongPassphraseException.class, t -> t.keyslot().put("priority", 0));
        assertEquals("No key available with this passphrase.", m);
    }

    // ---- copies, checksums, seqid

    @Test
    void theSecondaryServesWhenThePrimaryIsGone() throws IOException {
        TinyLuks2 t = new TinyLuks2();
        byte[] dev = t.build();
        Arrays.fill(dev, 0, 4096, (byte) 0);
        try (BlockDevice d = open(dev)) {
            assertArrayEquals(t.plaintext, d.readBytes(0, t.dataBytes));
        }
        assertEquals(TinyLuks2.HDR_SIZE, Luks2Header.read(LuksIo.of(TinyLuks2.device(dev)), dev.length)
                .offset());
    }

    @Test
    void theSecondaryServesWhenThePrimaryChecksumIsBad() throws IOException {
        byte[] dev = new TinyLuks2().build();
        dev[4096 + 10] ^= 1;
        assertEquals(TinyLuks2.HDR_SIZE, Luks2Header.read(LuksIo.of(TinyLuks2.device(dev)), dev.length)
                .offset());
        open(dev).close();
    }

    @Test
    void aChecksumMismatchOnBothCopiesIsRefused() {
        byte[] dev = new TinyLuks2().build();
        dev[4096 + 10] ^= 1;
        dev[(int) TinyLuks2.HDR_SIZE + 4096 + 10] ^= 1;
        contains(oneLine(assertThrows(CorruptImageException.class, () -> open(dev))), "checksum mismatch");
    }

    @Test
    void theCopyWithTheHigherSeqidWins() throws IOException {
        // The primary says: slot 0 ignored. Whichever copy is newer decides whether the passphrase opens.
        TinyLuks2 t = new TinyLuks2();
        t.keyslot().put("priority", 0);
        String ignored = TinyLuks2.MAPPER.writeValueAsString(t.json);
        t.keyslot().remove("priority");
        t.seqidPrimary = 7;
        t.seqidSecondary = 9;
        byte[] dev = t.build();
        TinyLuks2.writeCopy(dev, 0, ignored, 7, b -> { });
        open(dev).close(); // the secondary (9) is newer: slot 0 opens

        TinyLuks2.writeCopy(dev, 0, ignored, 10, b -> { });
        assertEquals("No key available with this passphrase.",
                assertThrows(WrongPassphraseException.class, () -> open(dev)).getMessage());
    }

    @Test
    void aCopyAtTheWrongOffsetIsNotUsed() {
        TinyLuks2 t = new TinyLuks2();
        t.binaryEdit = b -> b.putLong(0x100, 512);
        contains(refused(CorruptImageException.class, x -> x.binaryEdit = t.binaryEdit), "hdr_offset 512");
    }

    // ---- sizes

    @Test
    void aJsonAreaTooBigIsRefused() {
        contains(refused(CorruptImageException.class, t -> t.binaryEdit = b -> b.putLong(8, 8L << 20)),
                "hdr_size 8388608 is not one of LUKS2's sizes");
        contains(refused(CorruptImageException.class, t -> t.binaryEdit = b -> b.putLong(8, 20000)),
                "hdr_size 20000");
    }

    @Test
    void jsonSizeMustMatchTheBinaryHeader() {
        contains(refused(CorruptImageException.class, t -> ((ObjectNode) t.json.get("config"))
                .put("json_size", "28672")), "json_size 28672 does not match");
    }

    @Test
    void aDeviceTooSmallForTheHeaderAreasIsRefused() {
        byte[] dev = Arrays.copyOf(new TinyLuks2().build(), 200_000);
        contains(oneLine(assertThrows(CorruptImageException.class, () -> open(dev))), "do not fit the device");
    }

    // ---- key slot areas

    @Test
    void keyslotAreasMustLieInTheKeyslotArea() {
        contains(refused(CorruptImageException.class, t -> area(t).put("offset", "4096")),
                "is not inside the key slot area");
        contains(refused(CorruptImageException.class, t -> area(t).put("offset", "16384")),
                "is not inside the key slot area");
        contains(refused(CorruptImageException.class, t -> area(t).put("size", "999999999999")),
                "is not inside the key slot area");
        contains(refused(CorruptImageException.class, t -> area(t).put("offset", "18446744073709551615")),
                "is too large");
        contains(refused(CorruptImageException.class, t -> area(t).put("offset", "-1")), "not a decimal number");
        contains(refused(CorruptImageException.class, t -> area(t).put("offset", 32768)), "a decimal string");
    }

    @Test
    void overlappingKeyslotAreasAreRefused() {
        contains(refused(CorruptImageException.class, t -> ((ObjectNode) t.json.get("keyslots"))
                .set("1", t.keyslot().deepCopy())), "keyslot 1's area overlaps keyslot 0's");
    }

    @Test
    void keyMaterialMustFitItsArea() {
        contains(refused(CorruptImageException.class, t -> area(t).put("size", "4096")),
                "does not fit its 4096-byte area");
    }

    @Test
    void stripesAndKeySizesAreBounded() {
        contains(refused(CorruptImageException.class, t -> ((ObjectNode) t.keyslot().get("af"))
                .put("stripes", 4294967295L)), "af stripes 4294967295 is not 4000");
        contains(refused(CorruptImageException.class, t -> t.keyslot().put("key_size", 100000)),
                "key_size 100000 is outside 16..64");
        contains(refused(CorruptImageException.class, t -> area(t).put("key_size", 0)),
                "key_size 0 is outside 16..64");
        contains(refused(CorruptImageException.class, t -> t.keyslot().put("key_size", 1.5)),
                "has no integer key_size");
    }

    // ---- key derivation bounds

    @Test
    void pbkdf2IterationsAreBounded() {
        long tooMany = Pbkdf2.MAX_ITERATIONS + 1;
        contains(refused(CorruptImageException.class, t -> kdf(t).put("iterations", tooMany)),
                "keyslot 0 kdf asks for " + tooMany + " PBKDF2 iterations");
        contains(refused(CorruptImageException.class, t -> t.digest().put("iterations", tooMany)),
                "digest 0 asks for " + tooMany + " PBKDF2 iterations");
        contains(refused(CorruptImageException.class, t -> kdf(t).put("iterations", 0)), "iterations 0 is below 1");
    }

    @Test
    void argon2MemoryIsBounded() {
        contains(refused(CorruptImageException.class, t -> argon2(t, 4, Argon2.MAX_MEMORY_KIB + 1, 1)),
                "memory cost 4194305 KiB is outside 8..4194304 KiB");
        contains(refused(CorruptImageException.class, t -> argon2(t, 4, 4, 1)), "memory cost 4 KiB is outside");
    }

    @Test
    void argon2MemoryBeyondTheHeapIsRefusedBeforeAllocation() {
        assumeTrue(Runtime.getRuntime().maxMemory() < (3L << 30), "needs a heap under 3 GiB (surefire has 1 GiB)");
        String m = refused(UnsupportedFeatureException.class, t -> argon2(t, 1, 3L << 20, 1));
        contains(m, "memory cost 3145728 KiB needs about");
        contains(m, "run with a larger -Xmx");
    }

    @Test
    void argon2TimeAndLanesAreBounded() {
        contains(refused(CorruptImageException.class, t -> argon2(t, 4294967295L, 32768, 1)),
                "time cost 4294967295 with 32768 KiB of memory is outside 1..512");
        contains(refused(CorruptImageException.class, t -> argon2(t, 4, 32768, 1000)),
                "parallel cost 1000 is outside 1..64");
    }

    @Test
    void theKeyDerivationOfAllSlotsTogetherIsBounded() {
        // Nine slots at Argon2's bound (16 GiB of passes each): each alone is allowed, all of them are refused
        // before any derivation runs.
        TinyLuks2 t = new TinyLuks2(64, "aes-xts-plain64", 512, 0, 9);
        for (int i = 0; i < 9; i++) {
            ObjectNode kdf = (ObjectNode) t.json.get("keyslots").get(Integer.toString(i)).get("kdf");
            kdf.removeAll();
            kdf.put("type", "argon2id").put("time", 16).put("memory", 1 << 20).put("cpus", 4)
                    .put("salt", java.util.Base64.getEncoder().encodeToString(new byte[32]));
        }
        byte[] dev = t.build();
        contains(oneLine(assertThrows(UnsupportedFeatureException.class, () -> open(dev))),
                "the 9 key slots of segment 0 ask for more key derivation than Platter runs for one open");
    }

    @Test
    void severalSlotsAreTriedInOrder() throws IOException {
        // Slots 0..2 share one passphrase's salt, but only slot 2's area holds the key (slots 0 and 1 decrypt to
        // noise): the digest rejects them and slot 2 opens.
        TinyLuks2 t = new TinyLuks2(64, "aes-xts-plain64", 512, 0, 3);
        byte[] dev = t.build();
        int area = (int) t.areaSize();
        System.arraycopy(dev, (int) t.areaOffset(), dev, (int) t.areaOffset() + 2 * area, area);
        Arrays.fill(dev, (int) t.areaOffset(), (int) t.areaOffset() + area, (byte) 0);
        BlockDevice d = TinyLuks2.device(dev);
        Luks2Header h = Luks2Header.read(LuksIo.of(d), d.size());
        // Slot 2's area starts at a different offset, but keyslot areas are decrypted with IVs from 0.
        assertEquals(2, Luks2.unlock(h, LuksIo.of(d),
                Secret.of(TinyLuks2.PASSPHRASE.getBytes(StandardCharsets.UTF_8))).keyslot());
    }

    @Test
    void argon2WithSmallCostsOpensAsTheDigestSays() {
        // Not cryptsetup's material (the slot's area was made with PBKDF2), so the passphrase does not open it,
        // but the KDF runs and the digest check says no.
        assertEquals("No key available with this passphrase.",
                refused(WrongPassphraseException.class, t -> argon2(t, 1, 64, 1)));
    }

    // ---- names

    @Test
    void unknownTypesAreRefusedByName() {
        contains(refused(UnsupportedCipherException.class, t -> kdf(t).put("type", "scrypt")),
                "key derivation 'scrypt' is not supported");
        contains(refused(UnsupportedFeatureException.class, t -> ((ObjectNode) t.keyslot().get("af"))
                .put("type", "luks3")), "af type 'luks3'");
        contains(refused(UnsupportedFeatureException.class, t -> area(t).put("type", "journal")),
                "area type 'journal'");
        contains(refused(UnsupportedFeatureException.class, t -> t.segment().put("type", "linear")),
                "segment 0 has type 'linear'");
        contains(refused(UnsupportedFeatureException.class, t -> t.keyslot().put("type", "reencrypt")),
                "keyslot 0 has type 'reencrypt'");
        contains(refused(UnsupportedFeatureException.class, t -> t.digest().put("type", "argon2")),
                "digest 0 has type 'argon2'");
        contains(refused(UnsupportedCipherException.class, t -> t.segment().put("encryption",
                "serpent-xts-plain64")), "serpent");
        contains(refused(UnsupportedCipherException.class, t -> ((ObjectNode) t.keyslot().get("af"))
                .put("hash", "whirlpool")), "whirlpool");
        contains(refused(UnsupportedCipherException.class, t -> t.segment().put("encryption", "aes")), "'aes'");
        // Found by Luks2FuzzTest: XTS cannot take a key of odd length (it has two halves).
        contains(refused(UnsupportedCipherException.class, t -> area(t).put("key_size", 33)),
                "aes-xts-plain64 with a 33-byte key does not exist");
    }

    @Test
    void unsupportedLayoutsAreRefusedByName() {
        contains(refused(UnsupportedFeatureException.class, t -> t.segment().putObject("integrity")
                .put("type", "hmac(sha256)")), "integrity-protected");
        contains(refused(UnsupportedFeatureException.class, t -> ((ObjectNode) t.json.get("config"))
                .putObject("requirements").putArray("mandatory").add("online-reencrypt-v2")),
                "requires online-reencrypt-v2");
        contains(refused(UnsupportedFeatureException.class, t -> t.segment().put("offset", "0")),
                "detached header");
    }

    // ---- segments

    @Test
    void segmentsMustLieOnTheDeviceAndAfterTheAreas() {
        contains(refused(CorruptImageException.class, t -> t.segment().put("offset", "999999999488")),
                "at or past the end of the device");
        contains(refused(CorruptImageException.class, t -> t.segment().put("size", "1048576")),
                "runs past the end of the device");
        contains(refused(CorruptImageException.class, t -> t.segment().put("offset", "16384")),
                "lies inside the header and key slot areas");
        contains(refused(CorruptImageException.class, t -> t.segment().put("offset", "290817")),
                "offset 290817 is not a multiple of 512");
        contains(refused(CorruptImageException.class, t -> t.segment().put("size", "1000")),
                "size 1000 is not a multiple of its sector size 512");
        contains(refused(CorruptImageException.class, t -> t.segment().put("sector_size", 8192)),
                "sector_size 8192");
        contains(refused(CorruptImageException.class, t -> t.segment().put("size", "0")), "size is 0");
    }

    @Test
    void aSegmentOfFixedSizeEndsThere() throws IOException {
        TinyLuks2 t = new TinyLuks2();
        t.segment().put("size", "32768");
        try (BlockDevice d = open(t.build())) {
            assertEquals(32768, d.size());
            assertArrayEquals(Arrays.copyOf(t.plaintext, 32768), d.readBytes(0, 32768));
        }
    }

    // ---- references and encodings

    @Test
    void referencesMustResolve() {
        contains(refused(CorruptImageException.class, t -> t.digestKeyslots().add("5")),
                "digest 0 names keyslot 5, which does not exist");
        contains(refused(CorruptImageException.class, t -> ((com.fasterxml.jackson.databind.node.ArrayNode)
                t.digest().get("segments")).removeAll()), "segment 0 has no digest");
        contains(refused(CorruptImageException.class, t -> t.digestKeyslots().add(0)), "holds a non-string");
        contains(refused(CorruptImageException.class, t -> ((ObjectNode) t.json.get("keyslots"))
                .set("x1", t.keyslot().deepCopy())), "id 'x1' is not a number");
        contains(refused(CorruptImageException.class, t -> t.json.remove("tokens")), "has no tokens object");
    }

    @Test
    void saltsAndDigestsAreChecked() {
        contains(refused(CorruptImageException.class, t -> kdf(t).put("salt", "AAAA")), "salt is 3 bytes, not 32");
        contains(refused(CorruptImageException.class, t -> kdf(t).put("salt", "***")), "salt is not base64");
        contains(refused(CorruptImageException.class, t -> t.digest().put("digest", "AAAA")), "is 3 bytes");
    }

    @Test
    void theJsonTextIsChecked() {
        contains(jsonText(j -> j.replace("\"tokens\":{}", "\"tokens\":{},\"tokens\":{}")),
                "Duplicate field 'tokens'");
        contains(jsonText(j -> j.replace("\"tokens\":{}", "\"tokens\":{\"0\":" + "[".repeat(100)
                + "]".repeat(100) + "}")), "nesting depth");
        contains(jsonText(j -> j.substring(0, j.length() - 1)), "invalid JSON: Unexpected end-of-input");
        contains(jsonText(j -> j.substring(1)), "does not hold one JSON object");
        contains(jsonText(j -> j + "\u0000x"), "after the JSON text");
        contains(jsonText(j -> "[" + j + "]"), "does not hold one JSON object");
        contains(jsonText(j -> j.replace("\"tokens\":{}", "\"tokens\":{},")), "invalid JSON");
    }

    /** The JSON text changed as a string (both copies, checksums recomputed); the refusal's message. */
    private static String jsonText(java.util.function.UnaryOperator<String> change) {
        TinyLuks2 t = new TinyLuks2();
        byte[] dev = t.build();
        try {
            String text = change.apply(TinyLuks2.MAPPER.writeValueAsString(t.json));
            TinyLuks2.writeCopy(dev, 0, text, 3, b -> { });
            TinyLuks2.writeCopy(dev, TinyLuks2.HDR_SIZE, text, 3, b -> { });
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        Executable open = () -> open(dev);
        String m = oneLine(assertThrows(CorruptImageException.class, open));
        assertFalse(m.contains("Source"), m);
        return m;
    }

    private static ObjectNode area(TinyLuks2 t) {
        return (ObjectNode) t.keyslot().get("area");
    }

    private static ObjectNode kdf(TinyLuks2 t) {
        return (ObjectNode) t.keyslot().get("kdf");
    }

    private static void argon2(TinyLuks2 t, long time, long memoryKib, long cpus) {
        ObjectNode kdf = kdf(t);
        kdf.removeAll();
        kdf.put("type", "argon2id").put("time", time).put("memory", memoryKib).put("cpus", cpus)
                .put("salt", java.util.Base64.getEncoder().encodeToString(new byte[32]));
    }
}
