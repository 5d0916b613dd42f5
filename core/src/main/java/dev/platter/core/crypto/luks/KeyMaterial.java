package dev.platter.core.crypto.luks;

import dev.platter.core.crypto.AfSplitter;
import dev.platter.core.crypto.CipherSpec;
import dev.platter.core.crypto.HashAlgorithm;
import dev.platter.core.crypto.Secret;
import dev.platter.core.crypto.SectorCipher;

import java.io.IOException;

/** A key slot's material, as LUKS1 and LUKS2 both keep it: encrypted with the slot key, split into stripes. */
final class KeyMaterial {
    private KeyMaterial() {
    }

    /** Whether a candidate is the volume key (its digest checked). */
    @FunctionalInterface
    interface Check {
        boolean isVolumeKey(byte[] candidate) throws IOException;
    }

    /**
     * Decrypts {@code material} in place (IVs from 0, 512-byte sectors), merges its stripes and returns the volume key
     * when {@code check} accepts it, else null (the candidate wiped). The caller wipes {@code material}.
     */
    static byte[] open(CipherSpec cipher, byte[] slotKey, byte[] material, int keyBytes, int stripes,
                       HashAlgorithm afHash, Check check) throws IOException {
        try (SectorCipher c = cipher.newCipher(slotKey, 512)) {
            c.decrypt(0, material, 0, material.length);
        }
        byte[] key = AfSplitter.merge(material, keyBytes, stripes, afHash);
        boolean found;
        try {
            found = check.isVolumeKey(key);
        } catch (IOException | RuntimeException e) {
            Secret.wipe(key);
            throw e;
        }
        if (found) {
            return key;
        }
        Secret.wipe(key);
        return null;
    }
}
