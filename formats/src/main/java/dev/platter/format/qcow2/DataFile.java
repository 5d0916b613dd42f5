package dev.platter.format.qcow2;

import dev.platter.core.crypto.LegacyAes;
import dev.platter.core.image.Images;
import dev.platter.core.image.OpenOptions;
import dev.platter.core.image.ReferenceKind;
import dev.platter.core.storage.ImageLock;
import dev.platter.core.storage.Storage;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Where guest data clusters live: the image file itself, or the external data file (incompatible bit 2) named in
 * the header, opened by the reference gate the first time data is read, written or mapped; and, for legacy AES,
 * the cipher their ciphertext is read through ({@link #legacyAes()}).
 */
final class DataFile {
    private final Storage image;
    private final String reference;
    private final OpenOptions options;
    private final boolean readOnly;
    private final String refusal;
    private final LegacyAes aes;
    private volatile Storage external;

    private DataFile(Storage image, String reference, OpenOptions options, boolean readOnly, String refusal,
                     LegacyAes aes) {
        this.image = image;
        this.reference = reference;
        this.options = options;
        this.readOnly = readOnly;
        this.refusal = refusal;
        this.aes = aes;
    }

    /**
     * Data in the image file (for a LUKS image: the decrypted view of it), decrypted through {@code aes} for a
     * legacy AES image (else null).
     */
    static DataFile inImage(Storage image, LegacyAes aes) {
        return new DataFile(image, null, null, image.isReadOnly(), null, aes);
    }

    /** Data that cannot be reached: an encrypted image opened without its key ({@code why}). */
    static DataFile refused(Storage image, String why) {
        return new DataFile(image, null, null, true, why, null);
    }

    static DataFile external(Storage image, String reference, OpenOptions options, LegacyAes aes) {
        return new DataFile(image, reference, options, image.isReadOnly(), null, aes);
    }

    /**
     * For a legacy AES image, the cipher of its data clusters, whose IV is the guest sector: the clusters hold
     * ciphertext, which only the format can read (qemu reports them with no host offset). Else null.
     */
    LegacyAes legacyAes() {
        return aes;
    }

    boolean isExternal() {
        return reference != null;
    }

    /** The name map and info show for data clusters. */
    String name() {
        if (reference == null) {
            return image.name();
        }
        Storage s = external;
        return s != null ? s.name() : Qcow2Image.pathCombine(image.name(), reference);
    }

    Storage storage() throws IOException {
        if (refusal != null) {
            throw new IOException(refusal);
        }
        if (reference == null) {
            return image;
        }
        Storage s = external;
        if (s == null) {
            synchronized (this) {
                s = external;
                if (s == null) {
                    Path referrer = image.path() != null ? image.path() : Path.of(image.name());
                    String shown = Qcow2Image.pathCombine(image.name(), reference);
                    s = options.resolver().openFile(referrer, reference, ReferenceKind.DATA_FILE, shown, readOnly);
                    try {
                        Images.lock(s, shown, options.locking() == OpenOptions.Locking.FORCE_SHARE
                                ? ImageLock.reader(false, true) : ImageLock.dataFile(readOnly), options);
                    } catch (IOException e) {
                        s.close();
                        throw e;
                    }
                    external = s;
                }
            }
        }
        return s;
    }

    /** The external data file if it has been opened, else null. */
    Storage openedExternal() {
        return external;
    }

    void flush() throws IOException {
        Storage s = external;
        if (s != null) {
            s.flush();
        }
    }

    void close() throws IOException {
        Storage s = external;
        external = null;
        if (s != null) {
            s.close();
        }
    }
}
