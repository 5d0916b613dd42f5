package dev.platter.core.crypto;

import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.concurrent.ConcurrentLinkedQueue;

/** CBC, each sector chained from its own IV (plain, plain64 or essiv), through the JDK's cipher. */
final class CbcCipher implements SectorCipher {
    private final String algorithm;
    private final byte[] key;
    private final IvGenerator ivgen;
    private final int sectorSize;
    private final ConcurrentLinkedQueue<Cipher[]> idle = new ConcurrentLinkedQueue<>();

    CbcCipher(String algorithm, byte[] key, IvGenerator ivgen, int sectorSize) {
        this.algorithm = algorithm;
        this.key = key.clone();
        this.ivgen = ivgen;
        this.sectorSize = sectorSize;
    }

    @Override
    public int sectorSize() {
        return sectorSize;
    }

    @Override
    public void encrypt(long sector, byte[] buf, int off, int len) {
        run(Cipher.ENCRYPT_MODE, sector, buf, off, len);
    }

    @Override
    public void decrypt(long sector, byte[] buf, int off, int len) {
        run(Cipher.DECRYPT_MODE, sector, buf, off, len);
    }

    private void run(int mode, long sector, byte[] buf, int off, int len) {
        if (len % sectorSize != 0) {
            throw new IllegalArgumentException(len + " bytes are not whole " + sectorSize + "-byte sectors");
        }
        Cipher[] c = idle.poll();
        try {
            if (c == null) {
                c = new Cipher[] {Cipher.getInstance(algorithm + "/CBC/NoPadding")};
            }
            SecretKeySpec spec = new SecretKeySpec(key, algorithm);
            byte[] iv = new byte[16];
            int step = sectorSize / 512;
            for (int done = 0; done < len; done += sectorSize) {
                ivgen.iv(sector + (long) (done / sectorSize) * step, iv, 0);
                c[0].init(mode, spec, new IvParameterSpec(iv));
                c[0].doFinal(buf, off + done, sectorSize, buf, off + done);
            }
            idle.add(c);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        Arrays.fill(key, (byte) 0);
        idle.clear();
        ivgen.close();
    }
}
