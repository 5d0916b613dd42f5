package dev.platter.core.crypto.luks;

import dev.platter.core.crypto.AfSplitter;
import dev.platter.core.crypto.CipherSpec;
import dev.platter.core.crypto.HashAlgorithm;
import dev.platter.core.crypto.Secret;
import dev.platter.core.crypto.SectorCipher;
import dev.platter.core.crypto.UnsupportedCipherException;

import java.util.function.Predicate;

/** A key slot's material, as LUKS1 and LUKS2 both keep it: encrypted with the slot key, split into stripes. */
final class KeyMaterial {
    private KeyMaterial() {
    }

    /**
     * Decrypts {@code material} in place (IVs from 0, 512-byte sectors), merges its stripes and returns the volume key
     * when {@code isVolumeKey} accepts it, else null (the candidate wiped). The caller wipes {@code material}.
     */
    static byte[] open(CipherSpec cipher, byte[] slotKey, byte[] material, int keyBytes, int stripes,
                       HashAlgorithm afHash, Predicate<byte[]> isVolumeKey) throws UnsupportedCipherException {
        try (SectorCipher c = cipher.newCipher(slotKey, 512)) {
            c.decrypt(0, material, 0, material.length);
        }
        byte[] key = AfSplitter.merge(material, keyBytes, stripes, afHash);
        if (isVolumeKey.test(key)) {
            return key;
        }
        Secret.wipe(key);
        return null;
    }
}
