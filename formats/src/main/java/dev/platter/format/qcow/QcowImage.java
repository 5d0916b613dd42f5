package dev.platter.format.qcow;

import dev.platter.core.CorruptImageException;
import dev.platter.core.UnsupportedFeatureException;
import dev.platter.core.image.Image;
import dev.platter.core.image.ImageInfo;
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
 * backing file (through the gate, its format probed: qcow stores none) below unallocated clusters.
 */
public final class QcowImage extends ReadOnlyMappedImage {
    private final QcowHeader header;
    private final String backingName;

    private QcowImage(Storage storage, QcowHeader header, QcowMapper mapper, String backingName, Image backing) {
        super(storage, mapper, header.size, backing);
        this.header = header;
        this.backingName = backingName;
    }

    static QcowImage open(Storage storage, OpenOptions options) throws IOException {
        if (!options.readOnly()) {
            throw new UnsupportedFeatureException("writes to qcow images", "'" + storage.name() + "': Platter reads "
                    + "qcow (version 1) images but does not write them (open it read-only, or convert it)");
        }
        QcowHeader h = QcowHeader.read(storage);
        QcowMapper mapper = QcowMapper.read(storage, h);
        String name = h.backingOffset != 0 ? backingName(storage, h) : null;
        Image backing = null;
        if (name != null && !name.isEmpty()) {
            Path referrer = storage.path() != null ? storage.path() : Path.of(storage.name());
            if (options.isUntrusted()) {
                options.resolver().resolve(referrer, name, ReferenceKind.BACKING_FILE); // refuses
            }
            if (options.openBacking()) {
                backing = Images.openBacking(referrer, name, null, options);
            }
        }
        return new QcowImage(storage, h, mapper, name == null || name.isEmpty() ? null : name, backing);
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

    /** qemu's: the cluster size, the backing file (no format: qcow stores none), never dirty. */
    @Override
    public ImageInfo info() throws IOException {
        return new ImageInfo(storage().name(), QcowFormat.NAME, size(), header.clusterSize(), actualSize(), false,
                backingName,
                backingName == null ? null : ReferenceResolver.fullBackingFilename(storage().name(), backingName),
                null, List.of(), null, null, false);
    }
}
