package dev.platter.format.qed;

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
 * An open QED image, read only: its clusters through {@link QedMapper}, and its backing file (through the gate;
 * as raw when the image says not to probe it, else probed, as qemu does). Thread-safe: the L2 cache is
 * synchronized and nothing else changes after opening.
 */
public final class QedImage extends ReadOnlyMappedImage {
    /** Platter holds the L1 table in memory and caches L2 tables of the same size: at most this big. */
    static final long MAX_TABLE_BYTES = 64L << 20;

    private final QedHeader header;
    private final String backingName;

    private QedImage(Storage storage, QedHeader header, QedTable l1, String backingName, Image backing,
                     long cacheBytes) {
        super(storage, new QedMapper(storage, header, l1, cacheBytes), header.imageSize, backing);
        this.header = header;
        this.backingName = backingName;
    }

    static QedImage open(Storage storage, OpenOptions options) throws IOException {
        if (!options.readOnly()) {
            throw new UnsupportedFeatureException("writes to qed images", "'" + storage.name() + "': Platter reads "
                    + "qed images but does not write them (open it read-only, or convert it)");
        }
        QedHeader h = QedHeader.read(storage);
        if (h.tableBytes() > MAX_TABLE_BYTES) {
            throw new UnsupportedFeatureException("qed tables over " + MAX_TABLE_BYTES + " bytes", "'"
                    + storage.name() + "': QED tables of " + h.tableBytes() + " bytes (Platter holds at most "
                    + MAX_TABLE_BYTES + ")");
        }
        QedTable l1 = QedTable.read(storage, h.l1Offset, h);
        String name = h.hasBacking() ? backingName(storage, h) : null;
        Image backing = null;
        if (name != null) {
            Path referrer = storage.path() != null ? storage.path() : Path.of(storage.name());
            if (options.isUntrusted()) {
                options.resolver().resolve(referrer, name, ReferenceKind.BACKING_FILE); // refuses
            }
            if (options.openBacking()) {
                backing = Images.openBacking(referrer, name, backingFormat(h), options);
            }
        }
        return new QedImage(storage, h, l1, name, backing, options.metadataCacheBytes());
    }

    /** qemu's qed_read_string: the name must fit its PATH_MAX (4096-byte) buffer with a NUL. */
    private static String backingName(Storage storage, QedHeader h) throws IOException {
        if (h.backingNameSize >= 4096) {
            throw new CorruptImageException("qed header of '" + storage.name() + "'", 60, "the backing file name "
                    + "is " + h.backingNameSize + " bytes long (at most 4095)");
        }
        byte[] b = new byte[(int) h.backingNameSize];
        storage.readFully(h.backingNameOffset, ByteBuffer.wrap(b));
        int nul = 0;
        while (nul < b.length && b[nul] != 0) {
            nul++;
        }
        return new String(b, 0, nul, StandardCharsets.UTF_8);
    }

    private static String backingFormat(QedHeader h) {
        return (h.features & QedHeader.F_BACKING_FORMAT_NO_PROBE) != 0 ? "raw" : null;
    }

    @Override
    public String formatName() {
        return QedFormat.NAME;
    }

    @Override
    public String describe() {
        return backingName == null ? storage().name() : storage().name() + " [backing=" + backingName + "]";
    }

    /** qemu's: the cluster size, the backing file (its format only when the image pins raw), dirty = need check. */
    @Override
    public ImageInfo info() throws IOException {
        return new ImageInfo(storage().name(), QedFormat.NAME, size(), header.clusterSize, actualSize(), false,
                backingName,
                backingName == null ? null : ReferenceResolver.fullBackingFilename(storage().name(), backingName),
                backingName == null ? null : backingFormat(header), List.of(), null, null,
                (header.features & QedHeader.F_NEED_CHECK) != 0);
    }
}
