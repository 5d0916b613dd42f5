package dev.platter.core.crypto;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Locale;

/** The hashes LUKS and qemu name (PBKDF2, the AF splitter's diffusion, ESSIV), with their JDK names. */
public enum HashAlgorithm {
    SHA1("sha1", "SHA-1", 20),
    SHA224("sha224", "SHA-224", 28),
    SHA256("sha256", "SHA-256", 32),
    SHA384("sha384", "SHA-384", 48),
    SHA512("sha512", "SHA-512", 64);

    private final String qemuName;
    private final String jdkName;
    private final int length;

    HashAlgorithm(String qemuName, String jdkName, int length) {
        this.qemuName = qemuName;
        this.jdkName = jdkName;
        this.length = length;
    }

    /** The name as LUKS headers and qemu's options spell it ("sha256"). */
    public String qemuName() {
        return qemuName;
    }

    public int length() {
        return length;
    }

    public MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance(jdkName);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(jdkName + " missing from the JDK", e);
        }
    }

    /**
     * The hash named {@code name} (case-insensitive, as cryptsetup compares them), or an
     * {@link UnsupportedCipherException} naming it.
     */
    public static HashAlgorithm named(String name) throws UnsupportedCipherException {
        String n = name.toLowerCase(Locale.ROOT);
        for (HashAlgorithm h : values()) {
            if (h.qemuName.equals(n)) {
                return h;
            }
        }
        throw new UnsupportedCipherException("hash algorithm '" + name + "' is not supported");
    }
}
