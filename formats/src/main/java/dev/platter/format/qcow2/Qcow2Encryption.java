package dev.platter.format.qcow2;

import dev.platter.core.CorruptImageException;
import dev.platter.core.UnsupportedFeatureException;
import dev.platter.core.crypto.CipherSpec;
import dev.platter.core.crypto.EncryptedStorage;
import dev.platter.core.crypto.HashAlgorithm;
import dev.platter.core.crypto.LegacyAes;
import dev.platter.core.crypto.Secret;
import dev.platter.core.crypto.SectorCrypt;
import dev.platter.core.crypto.luks.Luks1;
import dev.platter.core.crypto.luks.Luks1Header;
import dev.platter.core.crypto.luks.LuksInfo;
import dev.platter.core.crypto.luks.LuksIo;
import dev.platter.core.storage.Storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A qcow2 image's encryption (crypt_method and the full-disk-encryption header extension): for LUKS, the header the
 * extension points at and, once unlocked with the image's key, the cipher every data cluster goes through. The IV of
 * a data sector is its host offset / 512, so the decrypted view is a storage over the image file at the same
 * offsets; metadata (header, tables, refcounts) is never encrypted. Legacy AES (crypt_method 1) is read, never
 * written: its IV is the guest sector, so its data clusters are read through {@link LegacyAes} by the cluster mapper
 * (see {@link DataFile}), and an image opened read-write is refused.
 */
final class Qcow2Encryption implements AutoCloseable {
    /** qemu's message for an encrypted image opened for I/O without its key. */
    static final String KEY_REQUIRED = "Parameter 'encrypt.key-secret' is required for cipher";
    /**
     * Why a legacy AES image does not open read-write: qemu's refusal in system emulators ("Use of AES-CBC encrypted
     * qcow2 images is no longer supported in system emulators") and its hint, in one line.
     */
    static final String AES_READ_ONLY = "Use of AES-CBC encrypted qcow2 images is no longer supported for writing, "
            + "only for reading. You can use 'qemu-img convert' to convert your image to an alternative supported "
            + "format, such as unencrypted qcow2, or raw with the LUKS format instead.";

    private final int method;
    private final long headerOffset;
    private final long headerLength;
    private final Luks1Header luks;
    private final byte[] masterKey;
    private final Storage decrypted;
    private final LegacyAes aes;

    private Qcow2Encryption(int method, long headerOffset, long headerLength, Luks1Header luks, byte[] masterKey,
                            Storage decrypted, LegacyAes aes) {
        this.method = method;
        this.headerOffset = headerOffset;
        this.headerLength = headerLength;
        this.luks = luks;
        this.masterKey = masterKey;
        this.decrypted = decrypted;
        this.aes = aes;
    }

    static Qcow2Encryption none() {
        return new Qcow2Encryption(Qcow2Header.CRYPT_NONE, 0, 0, null, null, null, null);
    }

    /**
     * Reads the image's encryption and, when it is encrypted, unlocks it with the key {@code keySource} gives
     * (asked only then); without a key the image opens only when {@code metadataOnly} (what {@code info} does), its
     * data then refused. A legacy AES image opened read-write is refused ({@link #AES_READ_ONLY}).
     */
    static Qcow2Encryption open(Qcow2Metadata m, java.util.function.Supplier<Secret> keySource, boolean metadataOnly)
            throws IOException {
        Qcow2Header h = m.header;
        Secret key = h.cryptMethod == Qcow2Header.CRYPT_NONE ? null : keySource.get();
        switch (h.cryptMethod) {
            case Qcow2Header.CRYPT_NONE -> {
                return none();
            }
            case Qcow2Header.CRYPT_AES -> {
                if (!m.readOnly) {
                    throw new UnsupportedFeatureException("writing AES-CBC encrypted qcow2 images", AES_READ_ONLY);
                }
                if (key == null) {
                    if (!metadataOnly) {
                        throw new dev.platter.core.image.ImageOpenException(m.file.name(), KEY_REQUIRED, null);
                    }
                    return new Qcow2Encryption(h.cryptMethod, 0, 0, null, null, null, null);
                }
                // No key check exists: a wrong passphrase reads noise, in qemu as here.
                return new Qcow2Encryption(h.cryptMethod, 0, 0, null, null, null, LegacyAes.open(key,
                        m.file.name()));
            }
            case Qcow2Header.CRYPT_LUKS -> {
                // read below
            }
            default -> throw new UnsupportedFeatureException("encryption",
                    "Unsupported encryption method: " + Integer.toUnsignedString(h.cryptMethod));
        }
        if (h.hasDataFile()) {
            throw new UnsupportedFeatureException("encryption", "encryption with an external data file is not "
                    + "supported");
        }
        if (h.cryptoHeader == null || h.cryptoHeader.length < 16) {
            throw new CorruptImageException("qcow2 header", 0, "crypt_method is LUKS but there is no full disk "
                    + "encryption header extension");
        }
        ByteBuffer ext = ByteBuffer.wrap(h.cryptoHeader);
        long offset = ext.getLong(0);
        long length = ext.getLong(8);
        long fileSize = m.file.size();
        if (m.geo.offsetInCluster(offset) != 0 || offset <= 0 || length < Luks1Header.SIZE
                || length > fileSize || offset > fileSize - length) {
            throw new CorruptImageException("qcow2 full disk encryption header extension", 0, "the LUKS header "
                    + "area (offset " + offset + ", " + length + " bytes) is unaligned or outside the file ("
                    + fileSize + " bytes)");
        }
        LuksIo io = io(m, offset, length);
        Luks1Header luks = Luks1.read(io, offset);
        if (luks.payloadOffset() > length) {
            throw new CorruptImageException("LUKS header", offset + 104, "payload offset " + luks.payloadOffset()
                    + " lies past the header area of " + length + " bytes");
        }
        if (key == null) {
            if (!metadataOnly) {
                throw new dev.platter.core.image.ImageOpenException(m.file.name(), KEY_REQUIRED, null);
            }
            return new Qcow2Encryption(h.cryptMethod, offset, length, luks, null, null, null);
        }
        Luks1.Unlocked unlocked;
        try {
            unlocked = Luks1.unlock(luks, io, key, offset);
        } catch (dev.platter.core.crypto.WrongPassphraseException e) {
            throw e.in(m.file.name());
        }
        var cipher = luks.cipher().newCipher(unlocked.masterKey(), 512);
        Storage decrypted = new EncryptedStorage(m.file, new SectorCrypt(cipher, 0, 0));
        return new Qcow2Encryption(h.cryptMethod, offset, length, luks, unlocked.masterKey(), decrypted, null);
    }

    boolean encrypted() {
        return method != Qcow2Header.CRYPT_NONE;
    }

    /**
     * Where guest data is read and written: for LUKS the decrypted view, else the file itself (legacy AES data is
     * stored there as ciphertext and decrypted by {@link #legacyAes()}).
     */
    Storage dataStorage(Storage file) {
        return decrypted != null ? decrypted : file;
    }

    /** Whether data can be read (unencrypted, or unlocked). */
    boolean unlocked() {
        return method == Qcow2Header.CRYPT_NONE || decrypted != null || aes != null;
    }

    /** Legacy AES unlocked with the image's key, or null. */
    LegacyAes legacyAes() {
        return aes;
    }

    /** The header area (offset, length), or null. */
    long[] headerArea() {
        return luks == null ? null : new long[] {headerOffset, headerLength};
    }

    /** {@code format-specific.data.encrypt} as qemu-img shows it (QCryptoBlockInfo). */
    Map<String, Object> info() {
        if (method == Qcow2Header.CRYPT_AES) {
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("format", "aes");
            return d;
        }
        Map<String, Object> d = LuksInfo.of(luks);
        d.put("format", "luks");
        return d;
    }

    /** Adds or erases key slots ({@code qemu-img amend -o encrypt.*}). */
    void amend(Qcow2Metadata m, Map<String, String> options, dev.platter.core.crypto.Secrets secrets)
            throws IOException {
        if (luks == null) {
            throw new IllegalArgumentException("Changing the encryption parameters is not supported");
        }
        if (masterKey == null) {
            throw new IOException(KEY_REQUIRED);
        }
        dev.platter.core.crypto.luks.LuksAmend.amend(luks, io(m, headerOffset, headerLength), masterKey, options,
                secrets, headerOffset);
    }

    static LuksIo io(Qcow2Metadata m, long offset, long length) {
        return new LuksIo() {
            @Override
            public void read(long pos, ByteBuffer dst) throws IOException {
                check(pos, dst.remaining());
                m.file.readFully(offset + pos, dst);
            }

            @Override
            public void write(long pos, ByteBuffer src) throws IOException {
                check(pos, src.remaining());
                m.file.write(offset + pos, src);
            }

            @Override
            public void flush() throws IOException {
                if (m.barriers) {
                    m.file.flush();
                }
            }

            private void check(long pos, int len) throws CorruptImageException {
                if (pos < 0 || pos > length - len) {
                    throw new CorruptImageException("LUKS header", offset + pos, len + " bytes at " + pos
                            + " lie outside the header area of " + length + " bytes");
                }
            }
        };
    }

    /**
     * Sets up LUKS on a new image (qcow2_set_up_encryption): clusters for the header area after the metadata
     * allocated so far, the header and slot 0 written into them, then crypt_method and the extension in the header.
     */
    static void create(Qcow2Metadata m, CipherSpec spec, HashAlgorithm hash, long iterTimeMillis, Secret key)
            throws IOException {
        long length = Luks1.headerAreaBytes(spec);
        long clusters = m.geo.clustersFor(length);
        long offset = m.refcounts.allocateClusters(clusters);
        m.flushMetadata();
        m.file.allocate(offset, clusters << m.geo.clusterBits()); // the whole area is part of the file, as qemu's
        Luks1.Created created = Luks1.create(io(m, offset, length), spec, hash, iterTimeMillis, key,
                new java.security.SecureRandom());
        Secret.wipe(created.masterKey());
        m.header.cryptMethod = Qcow2Header.CRYPT_LUKS;
        m.header.cryptoHeader = ByteBuffer.allocate(16).putLong(offset).putLong(length).array();
        m.writeHeader();
        m.barrier();
    }

    @Override
    public void close() throws IOException {
        Secret.wipe(masterKey);
        if (aes != null) {
            aes.close();
        }
        if (decrypted != null) {
            decrypted.close();
        }
    }
}
