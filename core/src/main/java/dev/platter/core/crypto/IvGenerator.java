package dev.platter.core.crypto;

import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;
import java.security.GeneralSecurityException;
import java.util.Arrays;

/** How a sector's IV is made from its number: dm-crypt's and qemu's plain, plain64 and essiv. */
public abstract sealed class IvGenerator {

    /** Writes the 16-byte IV of {@code sector} at {@code off}. */
    abstract void iv(long sector, byte[] out, int off);

    /** The name as qemu's {@code ivgen-alg} spells it. */
    public abstract String qemuName();

    void close() {
    }

    static final class Plain extends IvGenerator {
        @Override
        void iv(long sector, byte[] out, int off) {
            Arrays.fill(out, off, off + 16, (byte) 0);
            putLe(out, off, sector & 0xFFFF_FFFFL, 4);
        }

        @Override
        public String qemuName() {
            return "plain";
        }
    }

    static final class Plain64 extends IvGenerator {
        @Override
        void iv(long sector, byte[] out, int off) {
            Arrays.fill(out, off, off + 16, (byte) 0);
            putLe(out, off, sector, 8);
        }

        @Override
        public String qemuName() {
            return "plain64";
        }
    }

    /** ESSIV: the plain64 IV encrypted with the hash of the key (the cipher with the hash's key size). */
    static final class Essiv extends IvGenerator {
        private final HashAlgorithm hash;
        private final ThreadLocal<Cipher> cipher;
        private final byte[] salt;

        Essiv(HashAlgorithm hash, byte[] key, String algorithm) throws UnsupportedCipherException {
            this.hash = hash;
            this.salt = hash.newDigest().digest(key);
            if (salt.length != 16 && salt.length != 24 && salt.length != 32) {
                throw new UnsupportedCipherException("essiv with " + hash.qemuName() + " gives a " + salt.length
                        + "-byte key, which " + algorithm + " does not take");
            }
            this.cipher = ThreadLocal.withInitial(() -> {
                try {
                    Cipher c = Cipher.getInstance(algorithm + "/ECB/NoPadding");
                    c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(salt, algorithm));
                    return c;
                } catch (GeneralSecurityException e) {
                    throw new IllegalStateException(e);
                }
            });
        }

        HashAlgorithm hash() {
            return hash;
        }

        @Override
        void iv(long sector, byte[] out, int off) {
            Arrays.fill(out, off, off + 16, (byte) 0);
            putLe(out, off, sector, 8);
            try {
                cipher.get().doFinal(out, off, 16, out, off);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public String qemuName() {
            return "essiv";
        }

        @Override
        void close() {
            Arrays.fill(salt, (byte) 0);
        }
    }

    static void putLe(byte[] out, int off, long v, int bytes) {
        for (int i = 0; i < bytes; i++) {
            out[off + i] = (byte) (v >>> (8 * i));
        }
    }
}
