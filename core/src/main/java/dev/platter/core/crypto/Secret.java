package dev.platter.core.crypto;

import java.util.Arrays;

/**
 * A passphrase or key: bytes that never appear in a message, a log or {@code toString}. {@link #close()} wipes them;
 * every copy handed out ({@link #bytes()}) is the caller's to wipe ({@link #wipe(byte[])}).
 */
public final class Secret implements AutoCloseable {
    private final byte[] bytes;
    private volatile boolean closed;

    private Secret(byte[] bytes) {
        this.bytes = bytes;
    }

    /** A secret holding a copy of {@code bytes}. */
    public static Secret of(byte[] bytes) {
        return new Secret(bytes.clone());
    }

    /** A secret that takes {@code bytes} over: the caller must not keep or wipe them. */
    public static Secret adopt(byte[] bytes) {
        return new Secret(bytes);
    }

    /** A copy of the bytes, to be wiped by the caller after use. */
    public byte[] bytes() {
        if (closed) {
            throw new IllegalStateException("secret already wiped");
        }
        return bytes.clone();
    }

    public int length() {
        return bytes.length;
    }

    @Override
    public void close() {
        closed = true;
        wipe(bytes);
    }

    /** Overwrites key material with zeros (null is ignored). */
    public static void wipe(byte[] material) {
        if (material != null) {
            Arrays.fill(material, (byte) 0);
        }
    }

    @Override
    public String toString() {
        return "Secret[" + bytes.length + " bytes, not shown]";
    }
}
