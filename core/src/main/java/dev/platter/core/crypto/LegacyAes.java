package dev.platter.core.crypto;

import dev.platter.core.storage.Storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * qemu's legacy AES encryption of qcow and qcow2 images (crypt_method 1; qemu's "qcow" crypto format,
 * crypto/block-qcow.c): AES-128-CBC over 512-byte sectors, keyed with the passphrase's first 16 bytes (padded with
 * zeros), each sector's IV the plain64 of its <em>guest</em> sector number (guest offset / 512), wherever the sector
 * lies in the file. qemu keeps it "only to allow data to be liberated from existing images"; Platter reads it and
 * never writes it.
 *
 * <p>The format has no key check: a wrong passphrase decrypts to noise, and neither qemu nor Platter can tell.
 * Thread-safe; {@link #close()} drops the key.
 */
public final class LegacyAes implements AutoCloseable {
    /** AES-128-CBC with plain64 IVs. */
    public static final CipherSpec CIPHER = new CipherSpec("aes", 128, "cbc", "plain64", null);
    private static final int SECTOR = 512;
    private static final int KEY_BYTES = 16;

    private final SectorCipher cipher;
    /** Positions are guest offsets here, so that each sector's IV is its guest sector number. */
    private final SectorCrypt crypt;

    private LegacyAes(SectorCipher cipher) {
        this.cipher = cipher;
        this.crypt = new SectorCrypt(cipher, 0, 0);
    }

    /**
     * The cipher for a passphrase, as qemu's qcrypto_block_qcow_init makes it: the passphrase must be UTF-8 text
     * without NUL bytes (qemu's secret lookup refuses anything else), and its first 16 bytes, zero-padded, are the
     * key.
     */
    public static LegacyAes forPassphrase(Secret passphrase) throws IOException {
        byte[] p = passphrase.bytes();
        byte[] key = new byte[KEY_BYTES];
        try {
            if (!isText(p)) {
                throw new IOException("Data from the key secret is not valid UTF-8");
            }
            System.arraycopy(p, 0, key, 0, Math.min(p.length, KEY_BYTES));
            return new LegacyAes(CIPHER.newCipher(key, SECTOR));
        } finally {
            Secret.wipe(p);
            Secret.wipe(key);
        }
    }

    /**
     * As {@link #forPassphrase}, for the image named {@code imageName}: a passphrase that is not text fails the open
     * as qemu's does ("Could not open 'NAME': ...").
     */
    public static LegacyAes open(Secret passphrase, String imageName) throws IOException {
        try {
            return forPassphrase(passphrase);
        } catch (IOException e) {
            throw new IOException("Could not open '" + imageName + "': " + e.getMessage(), e);
        }
    }

    /** GLib's g_utf8_validate with a length: valid UTF-8 and no NUL byte. */
    private static boolean isText(byte[] b) {
        for (byte x : b) {
            if (x == 0) {
                return false;
            }
        }
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    /**
     * Reads {@code dst.remaining()} bytes of plaintext of the guest range starting at {@code guest}, whose ciphertext
     * is stored from {@code host} in {@code file} (bytes past the end of the file are zeros before decryption, as
     * qemu reads them). The two offsets lie at the same place of their 512-byte sectors, as they do in any cluster.
     */
    public void read(Storage file, long host, long guest, ByteBuffer dst) throws IOException {
        long shift = host - guest;
        if (Math.floorMod(shift, SECTOR) != 0 || guest < 0) {
            throw new IllegalArgumentException("host offset " + host + " and guest offset " + guest
                    + " are not at the same place of a 512-byte sector");
        }
        crypt.read(guest, dst, (pos, buf) -> {
            int want = buf.remaining();
            int got = file.readAt(pos + shift, buf);
            for (int i = got; i < want; i++) {
                buf.put((byte) 0);
            }
        });
    }

    @Override
    public void close() {
        cipher.close();
    }
}
