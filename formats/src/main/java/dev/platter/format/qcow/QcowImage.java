package dev.platter.format.qcow;

import dev.platter.core.Bounds;
import dev.platter.core.CorruptImageException;
import dev.platter.core.Extent;
import dev.platter.core.ReadOnlyDeviceException;
import dev.platter.core.UnsupportedFeatureException;
import dev.platter.core.image.Image;
import dev.platter.core.image.ImageInfo;
import dev.platter.core.image.Images;
import dev.platter.core.image.MappedReader;
import dev.platter.core.image.OpenOptions;
import dev.platter.core.image.ReferenceKind;
import dev.platter.core.image.ReferenceResolver;
import dev.platter.core.storage.Storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * An open qcow (version 1) image, read only: clusters through {@link QcowMapper}, compressed ones inflated, the
 * backing file (through the gate, its format probed: qcow stores none) below unallocated clusters.
 */
public final class QcowImage implements Image {
    private final Storage storage;
    private final QcowHeader header;
    private final String backingName;
    private final Image backing;
    private final MappedReader reader;
    private volatile boolean closed;

    private QcowImage(Storage storage, QcowHeader header, QcowMapper mapper, String backingName, Image backing) {
        this.storage = storage;
        this.header = header;
        this.backingName = backingName;
        this.backing = backing;
        this.reader = new MappedReader(mapper, () -> header.size, () -> backing);
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
    public Storage storage() {
        return storage;
    }

    @Override
    public Image backing() {
        return backing;
    }

    @Override
    public long size() {
        return header.size;
    }

    @Override
    public boolean isReadOnly() {
        return true;
    }

    @Override
    public String describe() {
        return backingName == null ? storage.name() : storage.name() + " [backing=" + backingName + "]";
    }

    @Override
    public void read(long pos, ByteBuffer dst) throws IOException {
        if (pos < 0 || pos > size() - dst.remaining()) {
            Bounds.check(pos, dst.remaining(), size(), describe());
        }
        ensureOpen();
        reader.read(pos, dst);
    }

    @Override
    public Extent mapping(long pos, long maxLen) throws IOException {
        if (pos < 0 || maxLen <= 0 || pos >= size()) {
            Bounds.checkMapping(pos, maxLen, size(), describe());
        }
        ensureOpen();
        return reader.mapping(pos, maxLen);
    }

    @Override
    public void write(long pos, ByteBuffer src) throws IOException {
        throw new ReadOnlyDeviceException(describe());
    }

    @Override
    public void writeZeroes(long pos, long len) throws IOException {
        throw new ReadOnlyDeviceException(describe());
    }

    @Override
    public void discard(long pos, long len) throws IOException {
        throw new ReadOnlyDeviceException(describe());
    }

    @Override
    public void flush() {
    }

    private void ensureOpen() throws IOException {
        if (closed) {
            throw new IOException(storage.name() + " is closed");
        }
    }

    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            storage.close();
        } finally {
            if (backing != null) {
                backing.close();
            }
        }
    }

    /** qemu's: the cluster size, the backing file (no format: qcow stores none), never dirty. */
    @Override
    public ImageInfo info() throws IOException {
        long allocated = storage.allocatedBytes();
        return new ImageInfo(storage.name(), QcowFormat.NAME, size(), header.clusterSize(),
                allocated < 0 ? null : allocated, false, backingName,
                backingName == null ? null : ReferenceResolver.fullBackingFilename(storage.name(), backingName),
                null, List.of(), null, null, false);
    }
}
