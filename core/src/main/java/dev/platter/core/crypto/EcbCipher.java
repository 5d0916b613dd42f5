package dev.platter.core.crypto;

import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;
import java.security.GeneralSecurityException;
import java.util.Arrays;

/** ECB, no IV: only for reading old LUKS volumes made with it. */
final class EcbCipher implements SectorCipher {
    private final String algorithm;
    private final byte[] key;
    private final int sectorSize;

    EcbCipher(String algorithm, byte[] key, int sectorSize) {
        this.algorithm = algorithm;
        this.key = key.clone();
        this.sectorSize = sectorSize;
    }

    @Override
    public int sectorSize() {
        return sectorSize;
    }

    @Override
    public void encrypt(long sector, byte[] buf, int off, int len) {
        run(Cipher.ENCRYPT_MODE, buf, off, len);
    }

    @Override
    public void decrypt(long sector, byte[] buf, int off, int len) {
        run(Cipher.DECRYPT_MODE, buf, off, len);
    }

    private void run(int mode, byte[] buf, int off, int len) {
        try {
            Cipher c = Cipher.getInstance(algorithm + "/ECB/NoPadding");
            c.init(mode, new SecretKeySpec(key, algorithm));
            c.doFinal(buf, off, len, buf, off);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        Arrays.fill(key, (byte) 0);
    }
}
