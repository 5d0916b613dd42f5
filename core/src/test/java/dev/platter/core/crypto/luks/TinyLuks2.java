package dev.platter.core.crypto.luks;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.platter.core.BlockDevice;
import dev.platter.core.StorageDevice;
import dev.platter.core.crypto.AfSplitter;
import dev.platter.core.crypto.CipherSpec;
import dev.platter.core.crypto.HashAlgorithm;
import dev.platter.core.crypto.Pbkdf2;
import dev.platter.core.crypto.SectorCipher;
import dev.platter.core.storage.MemoryStorage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Random;
import java.util.function.Consumer;

/**
 * A small, valid LUKS2 volume built in memory as cryptsetup lays one out (16 KiB headers, one "luks2" key slot with
 * PBKDF2, a "pbkdf2" digest, a dynamic "crypt" segment after the key slot area), deterministic, for hostile-header
 * tests and fuzz seeds: change {@link #json} (or the binary header through {@link #binaryEdit}) before
 * {@link #build()}, and both copies get the change and a correct checksum. {@code Luks2InteropTest} checks that
 * cryptsetup opens what this builds.
 */
final class TinyLuks2 {
    static final ObjectMapper MAPPER = new ObjectMapper();
    static final String PASSPHRASE = "tiny passphrase";
    static final long HDR_SIZE = 16384;

    final int keyBytes;
    final String encryption;
    final int sectorSize;
    final long ivTweak;
    final long iterations = 1000;
    /** Key slots 0..slots-1, each with its own area; only slot 0's area holds key material. */
    final int slots;
    long seqidPrimary = 3;
    long seqidSecondary = 3;
    int dataBytes = 64 << 10;
    final byte[] volumeKey;
    final byte[] plaintext;
    private final Random random = new Random(42);
    private final byte[] kdfSalt;
    private final byte[] digestSalt;
    /** The metadata written into both copies; tests change it before {@link #build()}. */
    ObjectNode json;
    /** Applied to both binary headers before their checksums are computed. */
    Consumer<ByteBuffer> binaryEdit = b -> { };

    TinyLuks2() {
        this(64, "aes-xts-plain64", 512, 0, 1);
    }

    TinyLuks2(int keyBytes, String encryption, int sectorSize, long ivTweak) {
        this(keyBytes, encryption, sectorSize, ivTweak, 1);
    }

    TinyLuks2(int keyBytes, String encryption, int sectorSize, long ivTweak, int slots) {
        this.slots = slots;
        this.keyBytes = keyBytes;
        this.encryption = encryption;
        this.sectorSize = sectorSize;
        this.ivTweak = ivTweak;
        volumeKey = bytes(keyBytes);
        kdfSalt = bytes(32);
        digestSalt = bytes(32);
        plaintext = new byte[dataBytes];
        for (int i = 0; i < dataBytes; i += 16) {
            byte[] line = String.format("%015d\n", i / 16).getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(line, 0, plaintext, i, 16);
        }
        json = metadata();
    }

    long areaOffset() {
        return 2 * HDR_SIZE;
    }

    long areaSize() {
        return ((long) keyBytes * 4000 + 4095) / 4096 * 4096;
    }

    long dataOffset() {
        return 2 * HDR_SIZE + slots * areaSize();
    }

    private ObjectNode metadata() {
        ObjectNode root = MAPPER.createObjectNode();
        ObjectNode keyslots = root.putObject("keyslots");
        for (int i = 0; i < slots; i++) {
            ObjectNode slot = keyslots.putObject(Integer.toString(i));
            slot.put("type", "luks2").put("key_size", keyBytes);
            slot.putObject("af").put("type", "luks1").put("stripes", 4000).put("hash", "sha256");
            slot.putObject("area").put("type", "raw").put("offset", Long.toString(areaOffset() + i * areaSize()))
                    .put("size", Long.toString(areaSize())).put("encryption", "aes-xts-plain64").put("key_size", 64);
            slot.putObject("kdf").put("type", "pbkdf2").put("hash", "sha256").put("iterations", iterations)
                    .put("salt", Base64.getEncoder().encodeToString(kdfSalt));
        }
        root.putObject("tokens");
        root.putObject("segments").putObject("0").put("type", "crypt").put("offset", Long.toString(dataOffset()))
                .put("size", "dynamic").put("iv_tweak", Long.toString(ivTweak)).put("encryption", encryption)
                .put("sector_size", sectorSize);
        ObjectNode digest = root.putObject("digests").putObject("0");
        digest.put("type", "pbkdf2");
        ArrayNode digestSlots = digest.putArray("keyslots");
        for (int i = 0; i < slots; i++) {
            digestSlots.add(Integer.toString(i));
        }
        digest.putArray("segments").add("0");
        digest.put("hash", "sha256").put("iterations", iterations)
                .put("salt", Base64.getEncoder().encodeToString(digestSalt))
                .put("digest", Base64.getEncoder().encodeToString(
                        Pbkdf2.derive(HashAlgorithm.SHA256, volumeKey, digestSalt, iterations, 32)));
        root.putObject("config").put("json_size", Long.toString(HDR_SIZE - 4096))
                .put("keyslots_size", Long.toString(slots * areaSize()));
        return root;
    }

    ObjectNode keyslot() {
        return (ObjectNode) json.get("keyslots").get("0");
    }

    ObjectNode segment() {
        return (ObjectNode) json.get("segments").get("0");
    }

    ObjectNode digest() {
        return (ObjectNode) json.get("digests").get("0");
    }

    ArrayNode digestKeyslots() {
        return (ArrayNode) digest().get("keyslots");
    }

    /** The whole device: both header copies, the key slot's material, the encrypted data. */
    byte[] build() {
        try {
            byte[] dev = new byte[(int) (dataOffset() + dataBytes)];
            // Key slot 0: the volume key split, encrypted with the PBKDF2 of the passphrase (IVs from 0).
            SecureRandom afRandom = SecureRandom.getInstance("SHA1PRNG");
            afRandom.setSeed(7);
            byte[] material = AfSplitter.split(volumeKey, 4000, HashAlgorithm.SHA256, afRandom);
            byte[] sectors = Arrays.copyOf(material, (int) ((material.length + 511L) / 512 * 512));
            byte[] areaKey = Pbkdf2.derive(HashAlgorithm.SHA256, PASSPHRASE.getBytes(StandardCharsets.UTF_8),
                    kdfSalt, iterations, 64);
            try (SectorCipher c = CipherSpec.fromLuks("aes", "xts-plain64", 64).newCipher(areaKey, 512)) {
                c.encrypt(0, sectors, 0, sectors.length);
            }
            System.arraycopy(sectors, 0, dev, (int) areaOffset(), sectors.length);
            // The data, encrypted as dm-crypt would: IVs in 512-byte sectors from iv_tweak.
            byte[] data = plaintext.clone();
            String mode = encryption.substring(encryption.indexOf('-') + 1);
            try (SectorCipher c = CipherSpec.fromLuks("aes", mode, keyBytes).newCipher(volumeKey, sectorSize)) {
                c.encrypt(ivTweak, data, 0, data.length);
            }
            System.arraycopy(data, 0, dev, (int) dataOffset(), data.length);
            String text = MAPPER.writeValueAsString(json);
            writeCopy(dev, 0, text, seqidPrimary, binaryEdit);
            writeCopy(dev, HDR_SIZE, text, seqidSecondary, binaryEdit);
            return dev;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Writes one header copy at {@code at} (binary header and JSON area) with a correct checksum. */
    static void writeCopy(byte[] dev, long at, String json, long seqid, Consumer<ByteBuffer> binaryEdit) {
        ByteBuffer b = ByteBuffer.wrap(dev, (int) at, 4096).slice().order(ByteOrder.BIG_ENDIAN);
        Arrays.fill(dev, (int) at, (int) (at + HDR_SIZE), (byte) 0);
        b.put(0, at == 0 ? Luks1Header.MAGIC : Luks2BinaryHeader.MAGIC_SECONDARY);
        b.putShort(6, (short) 2).putLong(8, HDR_SIZE).putLong(16, seqid).putLong(0x100, at);
        b.put(0x48, "sha256".getBytes(StandardCharsets.US_ASCII));
        b.put(0xA8, "6f1f5c39-2f4e-4c57-9a49-0b1c8e3f2a10".getBytes(StandardCharsets.US_ASCII));
        for (int i = 0; i < 64; i++) {
            b.put(0x68 + i, (byte) (at + i * 7));
        }
        byte[] text = json.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(text, 0, dev, (int) at + 4096, Math.min(text.length, (int) HDR_SIZE - 4096));
        binaryEdit.accept(b);
        fixChecksum(dev, at, HDR_SIZE);
    }

    /** Recomputes the sha256 checksum of the copy at {@code at} (after a test changed its bytes). */
    static void fixChecksum(byte[] dev, long at, long hdrSize) {
        try {
            Arrays.fill(dev, (int) at + 0x1C0, (int) at + 0x200, (byte) 0);
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(dev, (int) at, (int) hdrSize);
            byte[] sum = md.digest();
            System.arraycopy(sum, 0, dev, (int) at + 0x1C0, sum.length);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static BlockDevice device(byte[] dev) {
        MemoryStorage s = new MemoryStorage("tiny.luks2", dev.length);
        try {
            s.write(0, ByteBuffer.wrap(dev));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new StorageDevice(s, dev.length);
    }

    private byte[] bytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }
}
