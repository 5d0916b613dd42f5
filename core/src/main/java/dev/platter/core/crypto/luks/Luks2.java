package dev.platter.core.crypto.luks;

import dev.platter.core.BlockDevice;
import dev.platter.core.CorruptImageException;
import dev.platter.core.UnsupportedFeatureException;
import dev.platter.core.crypto.AfSplitter;
import dev.platter.core.crypto.Argon2;
import dev.platter.core.crypto.CipherSpec;
import dev.platter.core.crypto.DecryptedDevice;
import dev.platter.core.crypto.HashAlgorithm;
import dev.platter.core.crypto.Pbkdf2;
import dev.platter.core.crypto.Secret;
import dev.platter.core.crypto.SectorCipher;
import dev.platter.core.crypto.UnsupportedCipherException;
import dev.platter.core.crypto.WrongPassphraseException;
import dev.platter.core.crypto.luks.Luks2Metadata.Digest;
import dev.platter.core.crypto.luks.Luks2Metadata.Keyslot;
import dev.platter.core.crypto.luks.Luks2Metadata.Segment;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;

/**
 * LUKS2, read only: unlocking the volume key with a passphrase as cryptsetup does, and the decrypted data segment.
 * Key slots are tried in cryptsetup's order: those of priority 2 ("prefer"), then 1 ("normal"), each in the order of
 * the JSON; slots of priority 0 ("ignore") are never tried, as cryptsetup tries them only when asked for by number. A
 * slot is tried only when its digest is the one that covers segment 0. Every name (KDF, hashes, ciphers) is checked
 * before the key derivation runs, so that an unsupported one costs no KDF time.
 */
public final class Luks2 {
    static final String WRONG_PASSPHRASE = "No key available with this passphrase.";
    private static final int PRIORITY_PREFER = 2;
    private static final int PRIORITY_NORMAL = 1;
    /**
     * The key derivation one open may run, over all the key slots it tries, in units of the most one derivation
     * may cost ({@link Pbkdf2#MAX_ITERATIONS}, {@link Argon2#MAX_WORK_KIB}): a header with 32 slots at the bound
     * each cannot hold the caller for half an hour.
     */
    static final double MAX_KDF_UNITS = 8;

    private Luks2() {
    }

    /** A volume key and the key slot that gave it; the caller wipes the key. */
    public record Unlocked(byte[] volumeKey, int keyslot) {
    }

    /** The volume key of segment 0 that {@code passphrase} opens, or a {@link WrongPassphraseException}. */
    public static Unlocked unlock(Luks2Header h, LuksIo io, Secret passphrase) throws IOException {
        Luks2Metadata md = h.metadata;
        Digest digest = md.digestForSegment(0);
        if (md.segment(0) == null || digest == null) {
            throw Luks2Metadata.corrupt(h.at + Luks2BinaryHeader.SIZE, "no segment 0 with a digest");
        }
        List<Keyslot> order = new ArrayList<>();
        for (int priority : new int[] {PRIORITY_PREFER, PRIORITY_NORMAL}) {
            for (Keyslot ks : md.keyslots) {
                Digest d = md.digestForKeyslot(ks.id());
                if (ks.priority() == priority && d != null && d.id() == digest.id()) {
                    order.add(ks);
                }
            }
        }
        double units = 0;
        for (Keyslot ks : order) {
            units += cost(ks, digest);
        }
        if (units > MAX_KDF_UNITS) {
            throw new UnsupportedFeatureException("LUKS2 key derivation", "the " + order.size() + " key slots of "
                    + "segment 0 ask for more key derivation than Platter runs for one open (" + (long) units
                    + " units of at most a minute each, more than " + (long) MAX_KDF_UNITS + ")");
        }
        for (Keyslot ks : order) {
            byte[] key = tryKeyslot(h, io, ks, digest, passphrase);
            if (key != null) {
                return new Unlocked(key, ks.id());
            }
        }
        throw new WrongPassphraseException(WRONG_PASSPHRASE);
    }

    /**
     * What trying a key slot costs, in units of the most one key derivation may cost (about a minute each): the
     * slot's KDF (PBKDF2 iterations times output blocks, or Argon2 passes times memory) and the digest's PBKDF2.
     * Each is bounded alone; this bounds their sum over 32 slots.
     */
    static double cost(Keyslot ks, Digest digest) throws UnsupportedCipherException {
        Luks2Metadata.Kdf kdf = ks.kdf();
        double units;
        if (kdf.isPbkdf2()) {
            int h = HashAlgorithm.named(kdf.hash()).length();
            long blocks = (ks.areaKeySize() + h - 1) / h;
            units = (double) kdf.iterations() * blocks / Pbkdf2.MAX_ITERATIONS;
        } else {
            units = (double) kdf.time() * kdf.memoryKib() / Argon2.MAX_WORK_KIB;
        }
        return units + (double) digest.iterations() / Pbkdf2.MAX_ITERATIONS;
    }

    /**
     * The volume key from key slot {@code ks} with {@code passphrase}, checked against {@code digest}, or null when
     * the passphrase does not open it.
     */
    static byte[] tryKeyslot(Luks2Header h, LuksIo io, Keyslot ks, Digest digest, Secret passphrase)
            throws IOException {
        HashAlgorithm afHash = HashAlgorithm.named(ks.afHash());
        HashAlgorithm.named(digest.hash());
        if (ks.kdf().isPbkdf2()) {
            HashAlgorithm.named(ks.kdf().hash());
        }
        CipherSpec areaCipher = cipher(ks.areaEncryption(), ks.areaKeySize());
        byte[] pass = passphrase.bytes();
        byte[] areaKey = null;
        byte[] material = null;
        try {
            areaKey = deriveAreaKey(ks, pass);
            material = new byte[(int) ks.materialBytes()];
            io.read(ks.areaOffset(), ByteBuffer.wrap(material));
            return KeyMaterial.open(areaCipher, areaKey, material, ks.keySize(), ks.stripes(), afHash,
                    candidate -> digestMatches(digest, candidate));
        } finally {
            Secret.wipe(pass);
            Secret.wipe(areaKey);
            Secret.wipe(material);
        }
    }

    private static byte[] deriveAreaKey(Keyslot ks, byte[] pass) throws IOException {
        Luks2Metadata.Kdf kdf = ks.kdf();
        if (kdf.isPbkdf2()) {
            return Pbkdf2.derive(HashAlgorithm.named(kdf.hash()), pass, kdf.salt(), kdf.iterations(),
                    ks.areaKeySize());
        }
        return Argon2.derive(Luks2Metadata.argon2Type(kdf.type()), pass, kdf.salt(), kdf.time(), kdf.memoryKib(),
                kdf.cpus(), ks.areaKeySize());
    }

    /** Whether {@code key} is the one {@code digest} was made of (PBKDF2 of the key, compared in constant time). */
    public static boolean digestMatches(Digest digest, byte[] key) throws IOException {
        HashAlgorithm hash = HashAlgorithm.named(digest.hash());
        int len = digest.digest().length;
        if (len != 20 && len != hash.length()) {
            throw new CorruptImageException("LUKS2 JSON metadata", -1, "digest " + digest.id() + " is " + len
                    + " bytes, neither 20 nor the length of " + hash.qemuName());
        }
        byte[] d = Pbkdf2.derive(hash, key, digest.salt(), digest.iterations(), len);
        try {
            return MessageDigest.isEqual(d, digest.digest());
        } finally {
            Secret.wipe(d);
        }
    }

    /** A LUKS2 "encryption" string ("aes-xts-plain64", "aes-cbc-essiv:sha256") with its key size. */
    static CipherSpec cipher(String encryption, int keyBytes) throws UnsupportedCipherException {
        int dash = encryption.indexOf('-');
        if (dash <= 0 || dash == encryption.length() - 1) {
            throw new UnsupportedCipherException("cipher '" + Luks2Metadata.printable(encryption)
                    + "' is not supported");
        }
        return CipherSpec.fromLuks(encryption.substring(0, dash), encryption.substring(dash + 1), keyBytes);
    }

    /**
     * The decrypted segment 0 of the LUKS2 volume on {@code device}: from the segment's offset, its size (to the end
     * of the device when "dynamic"), its sector size, IVs counted in 512-byte sectors from {@code iv_tweak}. Read
     * only: {@code writable} is refused.
     */
    public static BlockDevice open(BlockDevice device, Secret passphrase, boolean writable) throws IOException {
        if (writable) {
            throw new UnsupportedFeatureException("LUKS2 writes", "LUKS2 volumes open read-only; writing to them is "
                    + "not supported");
        }
        LuksIo io = LuksIo.of(device);
        Luks2Header h = Luks2Header.read(io, device.size());
        Luks2Metadata md = h.metadata;
        if (md.segments.size() != 1) {
            throw new UnsupportedFeatureException("LUKS2 segments", "LUKS2 volume has " + md.segments.size()
                    + " segments (a reencryption in progress?); only one is supported");
        }
        Segment seg = md.segment(0);
        if (seg == null) {
            throw Luks2Metadata.corrupt(h.at + Luks2BinaryHeader.SIZE, "no segment 0");
        }
        long start = seg.offset();
        if (start >= device.size()) {
            throw Luks2Metadata.corrupt(h.at + Luks2BinaryHeader.SIZE, "segment 0 starts at " + start
                    + ", at or past the end of the device (" + device.size() + " bytes)");
        }
        if (!seg.dynamic() && seg.size() > device.size() - start) {
            throw Luks2Metadata.corrupt(h.at + Luks2BinaryHeader.SIZE, "segment 0 (" + start + "+" + seg.size()
                    + ") runs past the end of the device (" + device.size() + " bytes)");
        }
        long size = seg.dynamic() ? device.size() - start : seg.size();
        Digest digest = md.digestForSegment(0);
        for (Keyslot ks : md.keyslots) {
            Digest d = md.digestForKeyslot(ks.id());
            if (digest != null && d != null && d.id() == digest.id()) {
                // cryptsetup's volume key size: the first key slot of the segment's digest. Refuse an unsupported
                // segment cipher before any key derivation.
                cipher(seg.encryption(), ks.keySize());
                break;
            }
        }
        Unlocked key = unlock(h, io, passphrase);
        try {
            SectorCipher cipher = cipher(seg.encryption(), key.volumeKey().length)
                    .newCipher(key.volumeKey(), seg.sectorSize());
            return new DecryptedDevice(device, start, size, cipher, seg.ivTweak(), true);
        } finally {
            Secret.wipe(key.volumeKey());
        }
    }
}
