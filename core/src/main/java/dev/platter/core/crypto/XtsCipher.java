package dev.platter.core.crypto;

import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * XTS (IEEE 1619) over the JDK's AES in ECB mode, which uses AES-NI: the JDK has no XTS. A run of sectors is done in
 * three passes: every tweak (the sector IV encrypted with the second key, then doubled in GF(2^128) per block), one
 * ECB call over the whole run with the tweaks XORed in before and after. Sectors are multiples of 16 bytes, so
 * ciphertext stealing never arises.
 */
final class XtsCipher implements SectorCipher {
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final int CHUNK = 64 << 10;

    private final String algorithm;
    private final byte[] dataKey;
    private final byte[] tweakKey;
    private final IvGenerator ivgen;
    private final int sectorSize;
    private final ConcurrentLinkedQueue<Context> idle = new ConcurrentLinkedQueue<>();

    XtsCipher(String algorithm, byte[] key, IvGenerator ivgen, int sectorSize) {
        if (key.length % 2 != 0) {
            throw new IllegalArgumentException("an XTS key has two halves");
        }
        this.algorithm = algorithm;
        this.dataKey = Arrays.copyOfRange(key, 0, key.length / 2);
        this.tweakKey = Arrays.copyOfRange(key, key.length / 2, key.length);
        this.ivgen = ivgen;
        this.sectorSize = sectorSize;
    }

    /** Per-thread ciphers and scratch space, reused through a queue. */
    private final class Context {
        final Cipher encrypt;
        final Cipher decrypt;
        final Cipher tweak;
        final byte[] tweaks = new byte[CHUNK];
        final byte[] ivs = new byte[CHUNK / 512 * 16];

        Context() throws GeneralSecurityException {
            encrypt = Cipher.getInstance(algorithm + "/ECB/NoPadding");
            encrypt.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(dataKey, algorithm));
            decrypt = Cipher.getInstance(algorithm + "/ECB/NoPadding");
            decrypt.init(Cipher.DECRYPT_MODE, new SecretKeySpec(dataKey, algorithm));
            tweak = Cipher.getInstance(algorithm + "/ECB/NoPadding");
            tweak.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(tweakKey, algorithm));
        }
    }

    @Override
    public int sectorSize() {
        return sectorSize;
    }

    @Override
    public void encrypt(long sector, byte[] buf, int off, int len) {
        run(true, sector, buf, off, len);
    }

    @Override
    public void decrypt(long sector, byte[] buf, int off, int len) {
        run(false, sector, buf, off, len);
    }

    private void run(boolean encrypting, long sector, byte[] buf, int off, int len) {
        if (len % sectorSize != 0) {
            throw new IllegalArgumentException(len + " bytes are not whole " + sectorSize + "-byte sectors");
        }
        Context c = idle.poll();
        try {
            if (c == null) {
                c = new Context();
            }
            int step = sectorSize / 512;
            for (int done = 0; done < len; ) {
                int n = Math.min(CHUNK, len - done);
                tweaks(c, sector + (long) (done / sectorSize) * step, step, n);
                xor(c.tweaks, buf, off + done, n);
                (encrypting ? c.encrypt : c.decrypt).update(buf, off + done, n, buf, off + done);
                xor(c.tweaks, buf, off + done, n);
                done += n;
            }
            idle.add(c);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Fills the tweak of every 16-byte block of {@code n} bytes of sectors starting at IV number {@code sector}. */
    private void tweaks(Context c, long sector, int step, int n) throws GeneralSecurityException {
        byte[] t = c.tweaks;
        int sectors = n / sectorSize;
        for (int s = 0; s < sectors; s++) {
            ivgen.iv(sector + (long) s * step, t, s * sectorSize);
        }
        // The IVs of all sectors encrypted in one call: gathered, encrypted, scattered back.
        byte[] ivs = c.ivs;
        for (int s = 0; s < sectors; s++) {
            System.arraycopy(t, s * sectorSize, ivs, s * 16, 16);
        }
        c.tweak.update(ivs, 0, sectors * 16, ivs, 0);
        for (int s = 0; s < sectors; s++) {
            System.arraycopy(ivs, s * 16, t, s * sectorSize, 16);
        }
        for (int s = 0; s < sectors; s++) {
            int base = s * sectorSize;
            long lo = (long) LONGS.get(t, base);
            long hi = (long) LONGS.get(t, base + 8);
            for (int b = 16; b < sectorSize; b += 16) {
                long carry = hi >> 63;
                hi = (hi << 1) | (lo >>> 63);
                lo = (lo << 1) ^ (carry & 0x87);
                LONGS.set(t, base + b, lo);
                LONGS.set(t, base + b + 8, hi);
            }
        }
    }

    private static void xor(byte[] tweaks, byte[] buf, int off, int n) {
        for (int i = 0; i < n; i += 8) {
            LONGS.set(buf, off + i, (long) LONGS.get(buf, off + i) ^ (long) LONGS.get(tweaks, i));
        }
    }

    @Override
    public void close() {
        Arrays.fill(dataKey, (byte) 0);
        Arrays.fill(tweakKey, (byte) 0);
        idle.clear();
        ivgen.close();
    }
}
