package dev.platter.core.crypto;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * LUKS's anti-forensic splitter: a key spread over {@code stripes} blocks, each block but the last random, joined by
 * hash diffusion, so that losing any part of the material loses the key.
 */
public final class AfSplitter {
    private AfSplitter() {
    }

    /** Joins split material back into the key of {@code keyLength} bytes; the caller wipes the result. */
    public static byte[] merge(byte[] material, int keyLength, int stripes, HashAlgorithm hash) {
        checkSize(material, keyLength, stripes);
        byte[] d = new byte[keyLength];
        MessageDigest md = hash.newDigest();
        for (int i = 0; i < stripes - 1; i++) {
            xor(material, i * keyLength, d);
            diffuse(d, md, hash.length());
        }
        xor(material, (stripes - 1) * keyLength, d);
        return d;
    }

    /** Splits {@code key} into {@code stripes} blocks of its length. */
    public static byte[] split(byte[] key, int stripes, HashAlgorithm hash, SecureRandom random) {
        int n = key.length;
        byte[] material = new byte[n * stripes];
        byte[] d = new byte[n];
        MessageDigest md = hash.newDigest();
        byte[] block = new byte[n];
        for (int i = 0; i < stripes - 1; i++) {
            random.nextBytes(block);
            System.arraycopy(block, 0, material, i * n, n);
            xor(material, i * n, d);
            diffuse(d, md, hash.length());
        }
        for (int k = 0; k < n; k++) {
            material[(stripes - 1) * n + k] = (byte) (d[k] ^ key[k]);
        }
        Arrays.fill(d, (byte) 0);
        Arrays.fill(block, (byte) 0);
        return material;
    }

    private static void checkSize(byte[] material, int keyLength, int stripes) {
        if (stripes < 1 || keyLength < 1 || (long) keyLength * stripes > material.length) {
            throw new IllegalArgumentException("key material of " + material.length + " bytes cannot hold "
                    + stripes + " stripes of " + keyLength + " bytes");
        }
    }

    private static void xor(byte[] src, int off, byte[] d) {
        for (int k = 0; k < d.length; k++) {
            d[k] ^= src[off + k];
        }
    }

    /** Each hash-sized block i becomes H(be32(i) || block), the last one truncated. */
    private static void diffuse(byte[] d, MessageDigest md, int h) {
        byte[] out = new byte[h];
        for (int i = 0, off = 0; off < d.length; i++, off += h) {
            int len = Math.min(h, d.length - off);
            md.update(new byte[] {(byte) (i >>> 24), (byte) (i >>> 16), (byte) (i >>> 8), (byte) i});
            md.update(d, off, len);
            try {
                md.digest(out, 0, h);
            } catch (java.security.DigestException e) {
                throw new IllegalStateException(e);
            }
            System.arraycopy(out, 0, d, off, len);
        }
        Arrays.fill(out, (byte) 0);
    }
}
