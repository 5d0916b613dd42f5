package dev.platter.core.crypto.luks;

import dev.platter.core.CorruptImageException;
import dev.platter.core.crypto.CipherSpec;
import dev.platter.core.crypto.HashAlgorithm;
import dev.platter.core.crypto.UnsupportedCipherException;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The LUKS1 header (592 bytes, big-endian): magic, version 1, cipher name and mode, hash, payload offset, master key
 * length, master key digest (PBKDF2 of the key, 20 bytes) with its salt and iterations, UUID, and eight key slots.
 * Parsing checks everything later steps rely on: a slot's material lies between the header and the payload and
 * overlaps no other, stripes are LUKS's 4000, iteration counts are bounded.
 */
public final class Luks1Header {
    public static final int SIZE = 592;
    public static final byte[] MAGIC = {'L', 'U', 'K', 'S', (byte) 0xBA, (byte) 0xBE};
    public static final int SLOTS = 8;
    public static final int STRIPES = 4000;
    public static final int DIGEST_BYTES = 20;
    public static final int SALT_BYTES = 32;
    static final int SLOT_ACTIVE = 0x00AC71F3;
    static final int SLOT_DISABLED = 0x0000DEAD;

    String cipherName;
    String cipherMode;
    String hashSpec;
    long payloadOffsetSectors;
    int keyBytes;
    byte[] mkDigest;
    byte[] mkDigestSalt;
    long mkDigestIterations;
    String uuid;
    final List<LuksKeySlot> slots;

    Luks1Header(String cipherName, String cipherMode, String hashSpec, long payloadOffsetSectors, int keyBytes,
                byte[] mkDigest, byte[] mkDigestSalt, long mkDigestIterations, String uuid, List<LuksKeySlot> slots) {
        this.cipherName = cipherName;
        this.cipherMode = cipherMode;
        this.hashSpec = hashSpec;
        this.payloadOffsetSectors = payloadOffsetSectors;
        this.keyBytes = keyBytes;
        this.mkDigest = mkDigest;
        this.mkDigestSalt = mkDigestSalt;
        this.mkDigestIterations = mkDigestIterations;
        this.uuid = uuid;
        this.slots = new ArrayList<>(slots);
    }

    /**
     * Parses the header at the start of {@code b}; {@code base} is where it lies in its file, for messages;
     * {@code areaLimit} bounds the header area (the payload offset may lie beyond it only when it is -1).
     */
    public static Luks1Header parse(ByteBuffer b, long base) throws CorruptImageException {
        if (b.remaining() < SIZE) {
            throw corrupt(base, "header is truncated (" + b.remaining() + " of " + SIZE + " bytes)");
        }
        ByteBuffer h = b.slice().order(java.nio.ByteOrder.BIG_ENDIAN);
        for (int i = 0; i < MAGIC.length; i++) {
            if (h.get(i) != MAGIC[i]) {
                throw corrupt(base, "bad magic (not a LUKS header)");
            }
        }
        int version = Short.toUnsignedInt(h.getShort(6));
        if (version != 1) {
            throw corrupt(base, "version " + version + ", expected 1");
        }
        String cipherName = text(h, 8, 32, base, "cipher name");
        String cipherMode = text(h, 40, 32, base, "cipher mode");
        String hashSpec = text(h, 72, 32, base, "hash spec");
        long payload = Integer.toUnsignedLong(h.getInt(104));
        int keyBytes = h.getInt(108);
        if (keyBytes < 16 || keyBytes > 64) {
            throw corrupt(base + 108, "master key length " + Integer.toUnsignedString(keyBytes)
                    + " bytes is outside 16..64");
        }
        byte[] digest = bytes(h, 112, DIGEST_BYTES);
        byte[] salt = bytes(h, 132, SALT_BYTES);
        long mkIter = Integer.toUnsignedLong(h.getInt(164));
        if (mkIter == 0) {
            throw corrupt(base + 164, "master key digest iteration count is 0");
        }
        String uuid = text(h, 168, 40, base, "UUID");
        List<LuksKeySlot> slots = new ArrayList<>();
        long keySectors = LuksKeySlot.materialSectors(keyBytes, STRIPES);
        for (int i = 0; i < SLOTS; i++) {
            int at = 208 + i * 48;
            int active = h.getInt(at);
            if (active != SLOT_ACTIVE && active != SLOT_DISABLED) {
                throw corrupt(base + at, "key slot " + i + " state 0x" + Integer.toHexString(active)
                        + " is neither active nor disabled");
            }
            long iter = Integer.toUnsignedLong(h.getInt(at + 4));
            byte[] slotSalt = bytes(h, at + 8, SALT_BYTES);
            long offset = Integer.toUnsignedLong(h.getInt(at + 40));
            int stripes = h.getInt(at + 44);
            LuksKeySlot slot = new LuksKeySlot(active == SLOT_ACTIVE, iter, slotSalt, offset, stripes);
            if (slot.active()) {
                if (stripes != STRIPES) {
                    throw corrupt(base + at + 44, "key slot " + i + " has " + Integer.toUnsignedString(stripes)
                            + " stripes, LUKS1 has " + STRIPES);
                }
                if (iter == 0) {
                    throw corrupt(base + at + 4, "key slot " + i + " iteration count is 0");
                }
            }
            // qemu checks every slot's area, active or not: it must not overlap the header or the payload.
            if (offset * 512 < SIZE) {
                throw corrupt(base + at + 40, "key slot " + i + " material at sector " + offset
                        + " overlaps the header");
            }
            if (payload != 0 && offset + keySectors > payload) {
                throw corrupt(base + at + 40, "key slot " + i + " material (sectors " + offset + ".."
                        + (offset + keySectors) + ") overlaps the payload at sector " + payload);
            }
            for (int j = 0; j < i; j++) {
                long other = slots.get(j).materialOffsetSectors();
                if (offset < other + keySectors && other < offset + keySectors) {
                    throw corrupt(base + at + 40, "key slot " + i + " material overlaps key slot " + j + "'s");
                }
            }
            slots.add(slot);
        }
        return new Luks1Header(cipherName, cipherMode, hashSpec, payload, keyBytes, digest, salt, mkIter, uuid,
                slots);
    }

    /** The 592 bytes as they go on disk. */
    public byte[] encode() {
        ByteBuffer b = ByteBuffer.allocate(SIZE);
        b.put(MAGIC).putShort((short) 1);
        putText(b, cipherName, 32);
        putText(b, cipherMode, 32);
        putText(b, hashSpec, 32);
        b.putInt((int) payloadOffsetSectors).putInt(keyBytes).put(mkDigest).put(mkDigestSalt)
                .putInt((int) mkDigestIterations);
        putText(b, uuid, 40);
        for (LuksKeySlot s : slots) {
            b.putInt(s.active() ? SLOT_ACTIVE : SLOT_DISABLED).putInt((int) s.iterations()).put(s.salt())
                    .putInt((int) s.materialOffsetSectors()).putInt(s.stripes());
        }
        return b.array();
    }

    /** The cipher this header names, or the refusal naming it. */
    public CipherSpec cipher() throws UnsupportedCipherException {
        return CipherSpec.fromLuks(cipherName, cipherMode, keyBytes);
    }

    public HashAlgorithm hash() throws UnsupportedCipherException {
        return HashAlgorithm.named(hashSpec);
    }

    public String cipherName() {
        return cipherName;
    }

    public String cipherMode() {
        return cipherMode;
    }

    public String hashSpec() {
        return hashSpec;
    }

    public long payloadOffset() {
        return payloadOffsetSectors * 512;
    }

    public int keyBytes() {
        return keyBytes;
    }

    public long mkDigestIterations() {
        return mkDigestIterations;
    }

    public String uuid() {
        return uuid;
    }

    public List<LuksKeySlot> slots() {
        return List.copyOf(slots);
    }

    byte[] mkDigest() {
        return mkDigest;
    }

    byte[] mkDigestSalt() {
        return mkDigestSalt;
    }

    private static String text(ByteBuffer h, int at, int len, long base, String what) throws CorruptImageException {
        int end = 0;
        while (end < len && h.get(at + end) != 0) {
            byte c = h.get(at + end);
            if (c < 0x20 || c > 0x7E) {
                throw corrupt(base + at, what + " holds a non-printable byte");
            }
            end++;
        }
        if (end == len) {
            throw corrupt(base + at, what + " is not NUL-terminated");
        }
        byte[] s = new byte[end];
        h.get(at, s);
        return new String(s, StandardCharsets.US_ASCII);
    }

    private static byte[] bytes(ByteBuffer h, int at, int len) {
        byte[] out = new byte[len];
        h.get(at, out);
        return out;
    }

    private static void putText(ByteBuffer b, String s, int len) {
        byte[] t = s.getBytes(StandardCharsets.US_ASCII);
        b.put(t).put(new byte[len - t.length]);
    }

    static CorruptImageException corrupt(long offset, String why) {
        return new CorruptImageException("LUKS header", offset, why);
    }
}
