package dev.platter.core.crypto.luks;

import dev.platter.core.CorruptImageException;
import dev.platter.core.crypto.AfSplitter;
import dev.platter.core.crypto.CipherSpec;
import dev.platter.core.crypto.HashAlgorithm;
import dev.platter.core.crypto.Pbkdf2;
import dev.platter.core.crypto.Secret;
import dev.platter.core.crypto.SectorCipher;
import dev.platter.core.crypto.WrongPassphraseException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * LUKS1 key handling: unlocking a slot with a passphrase, writing a new volume's header as qemu lays it out, adding
 * and erasing key slots. Key slot changes write the key material before the slot entry that points to it, and a
 * slot is disabled before its material is wiped, so a crash leaves every other slot as it was.
 */
public final class Luks1 {
    /** qemu's minimum iterations for a slot and for the master key digest. */
    static final long MIN_ITERATIONS = 1000;
    private static final int HEADER_SECTORS = 4096 / 512;

    private Luks1() {
    }

    /** Reads and checks the header at the start of {@code io}. */
    public static Luks1Header read(LuksIo io, long base) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(Luks1Header.SIZE);
        io.read(0, b);
        b.flip();
        return Luks1Header.parse(b, base);
    }

    /** The master key that {@code passphrase} opens in some active slot, or a {@link WrongPassphraseException}. */
    public static Unlocked unlock(Luks1Header h, LuksIo io, Secret passphrase, long base) throws IOException {
        for (int i = 0; i < Luks1Header.SLOTS; i++) {
            if (h.slots.get(i).active()) {
                byte[] key = tryUnlock(h, io, passphrase, i, base);
                if (key != null) {
                    return new Unlocked(key, i);
                }
            }
        }
        throw new WrongPassphraseException("Invalid password, cannot unlock any keyslot");
    }

    /** A master key and the slot that gave it; the caller wipes the key. */
    public record Unlocked(byte[] masterKey, int slot) {
    }

    /** The master key from slot {@code index} with {@code passphrase}, or null when it does not open. */
    public static byte[] tryUnlock(Luks1Header h, LuksIo io, Secret passphrase, int index, long base)
            throws IOException {
        LuksKeySlot slot = h.slots.get(index);
        HashAlgorithm hash = h.hash();
        CipherSpec spec = h.cipher();
        checkIterations(slot.iterations(), base, "key slot " + index);
        checkIterations(h.mkDigestIterations, base, "master key digest");
        byte[] pass = passphrase.bytes();
        byte[] slotKey = null;
        byte[] material = null;
        try {
            slotKey = Pbkdf2.derive(hash, pass, slot.salt(), slot.iterations(), h.keyBytes);
            int bytes = (int) (LuksKeySlot.materialSectors(h.keyBytes, slot.stripes()) * 512);
            material = new byte[bytes];
            io.read(slot.materialOffset(), ByteBuffer.wrap(material));
            return KeyMaterial.open(spec, slotKey, material, h.keyBytes, slot.stripes(), hash,
                    candidate -> digestMatches(h, candidate, hash));
        } finally {
            Secret.wipe(pass);
            Secret.wipe(slotKey);
            Secret.wipe(material);
        }
    }

    /** Whether {@code key} is the volume's master key (compared in constant time). */
    public static boolean digestMatches(Luks1Header h, byte[] key, HashAlgorithm hash) {
        byte[] d = Pbkdf2.derive(hash, key, h.mkDigestSalt, h.mkDigestIterations, Luks1Header.DIGEST_BYTES);
        try {
            return MessageDigest.isEqual(d, h.mkDigest);
        } finally {
            Secret.wipe(d);
        }
    }

    private static void checkIterations(long iterations, long base, String what) throws CorruptImageException {
        if (iterations > Pbkdf2.MAX_ITERATIONS) {
            throw Luks1Header.corrupt(base, what + " asks for " + iterations + " PBKDF2 iterations, more than the "
                    + Pbkdf2.MAX_ITERATIONS + " Platter runs");
        }
    }

    /** The size of a new volume's header area (header and eight slots, aligned as qemu and cryptsetup align). */
    public static long headerAreaBytes(CipherSpec spec) {
        return (HEADER_SECTORS + Luks1Header.SLOTS * alignedSlotSectors(spec.masterKeyBytes())) * 512L;
    }

    private static long alignedSlotSectors(int keyBytes) {
        return ((long) keyBytes * Luks1Header.STRIPES + 4095) / 4096 * 8;
    }

    /**
     * Writes a new LUKS1 header with {@code passphrase} in slot 0, as qemu does ({@code iterTimeMillis} of PBKDF2
     * for the slot, an eighth of it for the master key digest, at least 1000 iterations each).
     *
     * @return the header and the new master key (the caller wipes it)
     */
    public static Created create(LuksIo io, CipherSpec spec, HashAlgorithm hash, long iterTimeMillis,
                                 Secret passphrase, SecureRandom random) throws IOException {
        int keyBytes = spec.masterKeyBytes();
        byte[] master = new byte[keyBytes];
        random.nextBytes(master);
        long slotSectors = alignedSlotSectors(keyBytes);
        List<LuksKeySlot> slots = new ArrayList<>();
        for (int i = 0; i < Luks1Header.SLOTS; i++) {
            slots.add(new LuksKeySlot(false, 0, new byte[Luks1Header.SALT_BYTES], HEADER_SECTORS + i * slotSectors,
                    Luks1Header.STRIPES));
        }
        long mkIterations = Math.max(MIN_ITERATIONS,
                Pbkdf2.iterationsFor(hash, Luks1Header.DIGEST_BYTES, iterTimeMillis) / 8);
        byte[] digestSalt = new byte[Luks1Header.SALT_BYTES];
        random.nextBytes(digestSalt);
        byte[] digest = Pbkdf2.derive(hash, master, digestSalt, mkIterations, Luks1Header.DIGEST_BYTES);
        Luks1Header h = new Luks1Header("aes", spec.luksMode(), hash.qemuName(),
                HEADER_SECTORS + Luks1Header.SLOTS * slotSectors, keyBytes, digest, digestSalt, mkIterations,
                UUID.randomUUID().toString(), slots);
        writeSlot(h, io, master, passphrase, 0, iterTimeMillis, random);
        io.write(0, ByteBuffer.wrap(h.encode()));
        io.flush();
        return new Created(h, master);
    }

    /** A new volume's header and master key. */
    public record Created(Luks1Header header, byte[] masterKey) {
    }

    /**
     * Puts {@code passphrase} into the free slot {@code index}: the material first, then the slot entry.
     */
    public static void addKey(Luks1Header h, LuksIo io, byte[] masterKey, Secret passphrase, int index,
                              long iterTimeMillis, SecureRandom random) throws IOException {
        if (h.slots.get(index).active()) {
            throw new IllegalArgumentException("Refusing to overwrite active keyslot " + index
                    + " - please erase it first");
        }
        writeSlot(h, io, masterKey, passphrase, index, iterTimeMillis, random);
        writeSlotEntry(h, io, index);
    }

    /** Disables slot {@code index} (entry first) and then overwrites its material with random bytes. */
    public static void eraseKey(Luks1Header h, LuksIo io, int index, SecureRandom random) throws IOException {
        LuksKeySlot old = h.slots.get(index);
        h.slots.set(index, new LuksKeySlot(false, 0, new byte[Luks1Header.SALT_BYTES],
                old.materialOffsetSectors(), old.stripes()));
        writeSlotEntry(h, io, index);
        byte[] noise = new byte[(int) (LuksKeySlot.materialSectors(h.keyBytes, old.stripes()) * 512)];
        random.nextBytes(noise);
        io.write(old.materialOffset(), ByteBuffer.wrap(noise));
        io.flush();
    }

    /** Splits and encrypts the master key into slot {@code index}'s material and marks the slot active in memory. */
    private static void writeSlot(Luks1Header h, LuksIo io, byte[] master, Secret passphrase, int index,
                                  long iterTimeMillis, SecureRandom random) throws IOException {
        HashAlgorithm hash = h.hash();
        LuksKeySlot old = h.slots.get(index);
        long iterations = Math.max(MIN_ITERATIONS, Pbkdf2.iterationsFor(hash, h.keyBytes, iterTimeMillis));
        byte[] salt = new byte[Luks1Header.SALT_BYTES];
        random.nextBytes(salt);
        byte[] pass = passphrase.bytes();
        byte[] slotKey = Pbkdf2.derive(hash, pass, salt, iterations, h.keyBytes);
        byte[] material = AfSplitter.split(master, Luks1Header.STRIPES, hash, random);
        byte[] sectors = java.util.Arrays.copyOf(material,
                (int) (LuksKeySlot.materialSectors(h.keyBytes, Luks1Header.STRIPES) * 512));
        try (SectorCipher c = h.cipher().newCipher(slotKey, 512)) {
            c.encrypt(0, sectors, 0, sectors.length);
            io.write(old.materialOffset(), ByteBuffer.wrap(sectors));
            io.flush();
        } finally {
            Secret.wipe(pass);
            Secret.wipe(slotKey);
            Secret.wipe(material);
        }
        h.slots.set(index, new LuksKeySlot(true, iterations, salt, old.materialOffsetSectors(),
                Luks1Header.STRIPES));
    }

    /** Writes one slot's 48-byte entry in place. */
    private static void writeSlotEntry(Luks1Header h, LuksIo io, int index) throws IOException {
        int at = 208 + index * 48;
        io.write(at, ByteBuffer.wrap(h.encode(), at, 48));
        io.flush();
    }
}
