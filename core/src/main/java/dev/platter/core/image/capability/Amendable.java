package dev.platter.core.image.capability;

import java.io.IOException;
import java.util.Map;

/** Format options changed in place ({@code qemu-img amend}). */
public interface Amendable {

    /**
     * Applies {@code -o} options. An option the format cannot change, or an invalid value, is an
     * {@link IllegalArgumentException} carrying qemu-img's message; nothing is changed then.
     */
    void amend(Map<String, String> options) throws IOException;

    /**
     * As {@link #amend(Map)}, with the secrets that options such as {@code encrypt.new-secret=ID} name (qemu's
     * {@code --object secret}).
     */
    default void amend(Map<String, String> options, dev.platter.core.crypto.Secrets secrets) throws IOException {
        amend(options);
    }
}
