package dev.platter.core.crypto;

import javax.crypto.Mac;
import javax.crypto.SecretKey;
import java.security.GeneralSecurityException;
import java.util.Arrays;

/**
 * PBKDF2 (RFC 8018) over the JDK's HMAC, which has the SHA intrinsics. Not the JDK's own PBKDF2: that one takes the
 * password as characters, and LUKS passphrases and key files are arbitrary bytes.
 */
public final class Pbkdf2 {
    /**
     * The most iterations Platter runs for one key: about a minute on this era's hardware. A header asking for more
     * (a hostile one can ask for 2^32) is refused instead of hanging the caller.
     */
    public static final long MAX_ITERATIONS = 1L << 26;

    private Pbkdf2() {
    }

    /** Derives {@code length} bytes; the caller wipes the result. */
    public static byte[] derive(HashAlgorithm hash, byte[] password, byte[] salt, long iterations, int length) {
        if (iterations < 1 || iterations > MAX_ITERATIONS) {
            throw new IllegalArgumentException("PBKDF2 iteration count " + iterations + " is outside 1.."
                    + MAX_ITERATIONS);
        }
        Mac mac = mac(hash, password);
        int h = mac.getMacLength();
        byte[] out = new byte[length];
        byte[] u = new byte[h];
        byte[] t = new byte[h];
        try {
            for (int block = 1, done = 0; done < length; block++, done += h) {
                mac.update(salt);
                mac.update(new byte[] {(byte) (block >>> 24), (byte) (block >>> 16), (byte) (block >>> 8),
                        (byte) block});
                mac.doFinal(u, 0);
                System.arraycopy(u, 0, t, 0, h);
                for (long i = 1; i < iterations; i++) {
                    mac.update(u);
                    mac.doFinal(u, 0);
                    for (int k = 0; k < h; k++) {
                        t[k] ^= u[k];
                    }
                }
                System.arraycopy(t, 0, out, done, Math.min(h, length - done));
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        } finally {
            Arrays.fill(u, (byte) 0);
            Arrays.fill(t, (byte) 0);
        }
        return out;
    }

    /**
     * How many iterations take about {@code millis} milliseconds here, as qemu and cryptsetup measure before they
     * write a key slot.
     */
    public static long iterationsFor(HashAlgorithm hash, int keyLength, long millis) {
        byte[] pw = new byte[8];
        byte[] salt = new byte[32];
        long iterations = 1 << 14;
        while (true) {
            long start = System.nanoTime();
            Secret.wipe(derive(hash, pw, salt, iterations, keyLength));
            long took = System.nanoTime() - start;
            if (took >= 50_000_000L || iterations >= MAX_ITERATIONS / 2) {
                double perMs = iterations / (took / 1e6);
                return Math.max(1, Math.min(MAX_ITERATIONS, (long) (perMs * millis)));
            }
            iterations *= 2;
        }
    }

    static Mac mac(HashAlgorithm hash, byte[] password) {
        try {
            Mac mac = Mac.getInstance(hash.hmacName());
            mac.init(new RawKey(password, hash.hmacName()));
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(hash.hmacName() + ": " + e.getMessage(), e);
        }
    }

    /** A key of any bytes, the empty passphrase included (SecretKeySpec refuses an empty key). */
    private record RawKey(byte[] key, String algorithm) implements SecretKey {
        @Override
        public String getAlgorithm() {
            return algorithm;
        }

        @Override
        public String getFormat() {
            return "RAW";
        }

        @Override
        public byte[] getEncoded() {
            return key.clone();
        }
    }
}
