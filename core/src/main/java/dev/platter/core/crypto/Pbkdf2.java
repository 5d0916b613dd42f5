package dev.platter.core.crypto;

import java.security.MessageDigest;
import java.util.Arrays;

/**
 * PBKDF2 (RFC 8018) over the JDK's SHA digests, which have the SHA intrinsics. Not the JDK's own PBKDF2: that one
 * takes the password as characters, and LUKS passphrases and key files are arbitrary bytes.
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
        Hmac mac = new Hmac(hash, password);
        int h = hash.length();
        byte[] out = new byte[length];
        byte[] u = new byte[h];
        byte[] t = new byte[h];
        try {
            for (int block = 1, done = 0; done < length; block++, done += h) {
                mac.first(salt, block, u);
                System.arraycopy(u, 0, t, 0, h);
                for (long i = 1; i < iterations; i++) {
                    mac.next(u);
                    for (int k = 0; k < h; k++) {
                        t[k] ^= u[k];
                    }
                }
                System.arraycopy(t, 0, out, done, Math.min(h, length - done));
            }
        } finally {
            Arrays.fill(u, (byte) 0);
            Arrays.fill(t, (byte) 0);
            mac.wipe();
        }
        return out;
    }

    /**
     * HMAC with the inner and outer pads hashed once: each iteration clones those two states and hashes only its
     * own block, two compressions instead of the four a javax.crypto.Mac spends (it rehashes the pads every time).
     */
    private static final class Hmac {
        private final MessageDigest inner;
        private final MessageDigest outer;
        private final byte[] scratch;

        Hmac(HashAlgorithm hash, byte[] password) {
            int block = hash.length() > 32 ? 128 : 64;
            byte[] key = password.length > block ? hash.newDigest().digest(password) : password.clone();
            byte[] ipad = new byte[block];
            byte[] opad = new byte[block];
            for (int i = 0; i < block; i++) {
                byte k = i < key.length ? key[i] : 0;
                ipad[i] = (byte) (k ^ 0x36);
                opad[i] = (byte) (k ^ 0x5c);
            }
            inner = hash.newDigest();
            inner.update(ipad);
            outer = hash.newDigest();
            outer.update(opad);
            scratch = new byte[hash.length()];
            Arrays.fill(key, (byte) 0);
            Arrays.fill(ipad, (byte) 0);
            Arrays.fill(opad, (byte) 0);
        }

        /** U1 = HMAC(salt || be32(block)). */
        void first(byte[] salt, int block, byte[] u) {
            MessageDigest in = copy(inner);
            in.update(salt);
            in.update(new byte[] {(byte) (block >>> 24), (byte) (block >>> 16), (byte) (block >>> 8), (byte) block});
            finish(in, u);
        }

        /** U(i+1) = HMAC(U(i)), in place. */
        void next(byte[] u) {
            MessageDigest in = copy(inner);
            in.update(u);
            finish(in, u);
        }

        private void finish(MessageDigest in, byte[] u) {
            try {
                in.digest(scratch, 0, scratch.length);
                MessageDigest out = copy(outer);
                out.update(scratch);
                out.digest(u, 0, u.length);
            } catch (java.security.DigestException e) {
                throw new IllegalStateException(e);
            }
        }

        private static MessageDigest copy(MessageDigest d) {
            try {
                return (MessageDigest) d.clone();
            } catch (CloneNotSupportedException e) {
                throw new IllegalStateException(e);
            }
        }

        void wipe() {
            inner.reset();
            outer.reset();
            Arrays.fill(scratch, (byte) 0);
        }
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
}
