package dev.platter.format.qcow;

import dev.platter.core.CorruptImageException;
import dev.platter.core.UnsupportedFeatureException;
import dev.platter.core.crypto.LegacyAes;
import dev.platter.core.crypto.Secret;
import dev.platter.core.image.Image;
import dev.platter.core.image.ImageInfo;
import dev.platter.core.image.ImageOpenException;
import dev.platter.core.image.Images;
import dev.platter.core.image.OpenOptions;
import dev.platter.core.image.ReferenceKind;
import dev.platter.core.image.ReferenceResolver;
import dev.platter.core.storage.Storage;
import dev.platter.format.readonly.ReadOnlyMappedImage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * An open qcow (version 1) image, read only: clusters through {@link QcowMapper}, compressed ones inflated, the
 * backing file (through the gate, its format probed: qcow stores none) below unallocated clusters. A legacy AES
 * image is read with its key (the image's {@code encrypt.key-secret}); without one it opens for {@code info} only.
 */
public final class QcowImage extends ReadOnlyMappedImage {
    /** qemu's message for an encrypted image opened for I/O without its key. */
    static final String KEY_REQUIRED = "Parameter 'encrypt.key-secret' is required for cipher";
    /**
     * Why a legacy AES image does not open read-write: qemu's refusal in system emulators ("Use of AES-CBC encrypted
     * qcow images is no longer supported in system emulators") and its hint, in one line.
     */
    static final String AES_READ_ONLY = "Use of AES-CBC encrypted qcow images is no longer supported for writing, "
            + "only for reading. You can use 'qemu-img convert' to convert your image to an alternative supported "
            + "format, such as unencrypted qcow, or raw with the LUKS format instead.";

    private final QcowHeader header;
    private final String backingName;
    private final LegacyAes aes;

    private QcowImage(Storage storage, QcowHeader header, QcowMapper mapper, String backingName, Image backing,
                      LegacyAes aes) {
        super(storage, mapper, header.size, backing);
        this.header = header;
        this.backingName = backingName;
        this.aes = aes;
    }

    static QcowImage open(Storage storage, OpenOptions options) throws IOException {
        QcowHeader h = QcowHeader.read(storage);
        if (!options.readOnly()) {
            if (h.encrypted()) {
                throw new UnsupportedFeatureException("writing AES-CBC encrypted qcow images", AES_READ_ONLY);
            }
            throw new UnsupportedFeatureException("writes to qcow images", "'" + storage.name() + "': Platter reads "
                    + "qcow (version 1) images but does not write them (open it read-only, or convert it)");
        }
        LegacyAes aes = h.encrypted() ? unlock(storage, options) : null;
        Image backing = null;
        try {
            QcowMapper mapper = QcowMapper.read(storage, h, aes);
            String name = h.backingOffset != 0 ? backingName(storage, h) : null;
            if (name != null && !name.isEmpty()) {
                Path referrer = storage.path() != null ? storage.path() : Path.of(storage.name());
                if (options.isUntrusted()) {
                    options.resolver().resolve(referrer, name, ReferenceKind.BACKING_FILE); // refuses
                }
                if (options.openBacking()) {
                    backing = Images.openBacking(referrer, name, null, options);
                }
            }
            return new QcowImage(storage, h, mapper, name == null || name.isEmpty() ? null : name, backing, aes);
        } catch (IOException | RuntimeException e) {
            if (aes != null) {
                aes.close();
            }
            throw e;
        }
    }

    /**
     * The cipher of an AES image, from its key; without a key, null for a metadata-only open (info), else qemu's
     * error. There is no key check: a wrong key reads noise, in qemu as here.
     */
    private static LegacyAes unlock(Storage storage, OpenOptions options) throws IOException {
        Secret key = options.keyFor(storage.path() != null ? storage.path() : Path.of(storage.name()));
        if (key == null) {
            if (!options.keys().metadataOnly()) {
                throw new ImageOpenException(storage.name(), KEY_REQUIRED, null);
            }
            return null;
        }
        return LegacyAes.open(key, storage.name());
    }

    /** qemu's: at most 1023 bytes, read where the header says, ending at the first NUL. */
    private static String backingName(Storage storage, QcowHeader h) throws IOException {
        if (h.backingSize > 1023) {
            throw new CorruptImageException("qcow header of '" + storage.name() + "'", 16, "Backing file name too "
                    + "long (" + h.backingSize + " bytes)");
        }
        if (h.backingOffset < 0 || h.backingOffset > storage.size()) {
            throw new CorruptImageException("qcow header of '" + storage.name() + "'", 8, "the backing file name "
                    + "lies at " + Long.toUnsignedString(h.backingOffset) + ", past the end of the file");
        }
        byte[] b = new byte[(int) h.backingSize];
        ByteBuffer buf = ByteBuffer.wrap(b);
        storage.readAt(h.backingOffset, buf); // past the end: zeros, as qemu reads them
        int nul = 0;
        while (nul < b.length && b[nul] != 0) {
            nul++;
        }
        return new String(b, 0, nul, StandardCharsets.UTF_8);
    }

    @Override
    public String formatName() {
        return QcowFormat.NAME;
    }

    @Override
    public String describe() {
        return backingName == null ? storage().name() : storage().name() + " [backing=" + backingName + "]";
    }

    /** qemu's: the cluster size, encrypted or not, the backing file (no format: qcow stores none), never dirty. */
    @Override
    public ImageInfo info() throws IOException {
        return new ImageInfo(storage().name(), QcowFormat.NAME, size(), header.clusterSize(), actualSize(),
                header.encrypted(),
                backingName,
                backingName == null ? null : ReferenceResolver.fullBackingFilename(storage().name(), backingName),
                null, List.of(), null, null, false);
    }

    @Override
    protected void release() {
        if (aes != null) {
            aes.close();
        }
    }
}
