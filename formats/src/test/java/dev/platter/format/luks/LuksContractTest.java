package dev.platter.format.luks;

import dev.platter.core.crypto.Secret;
import dev.platter.core.crypto.Secrets;
import dev.platter.core.image.ImageKeys;
import dev.platter.core.testing.ImageFormatContract;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Raw LUKS keeps the image format contract. Created with preallocation=full, so that a new image reads as zeros (an
 * unwritten LUKS sector decrypts to noise, which the contract's first test would reject).
 */
class LuksContractTest extends ImageFormatContract {
    private static final byte[] KEY = "contract key".getBytes(StandardCharsets.UTF_8);

    @Override
    protected String formatName() {
        return "luks";
    }

    @Override
    protected Map<String, String> createOptions() {
        return Map.of("key-secret", "k", "iter-time", "1", "preallocation", "full");
    }

    @Override
    protected Secrets secrets() {
        return Secrets.none().add("k", Secret.of(KEY));
    }

    @Override
    protected ImageKeys keys() {
        return ImageKeys.everyLayer(Secret.of(KEY));
    }
}
