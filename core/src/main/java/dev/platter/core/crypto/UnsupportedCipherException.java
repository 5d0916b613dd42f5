package dev.platter.core.crypto;

import dev.platter.core.UnsupportedFeatureException;

/** A cipher, mode, IV generator, hash or key derivation that Platter does not implement, by name. */
public class UnsupportedCipherException extends UnsupportedFeatureException {
    public UnsupportedCipherException(String message) {
        super("encryption", message);
    }
}
