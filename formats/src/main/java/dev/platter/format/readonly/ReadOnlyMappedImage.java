package dev.platter.format.readonly;

import dev.platter.core.Bounds;
import dev.platter.core.Extent;
import dev.platter.core.ReadOnlyDeviceException;
import dev.platter.core.image.Image;
import dev.platter.core.image.ImageMapper;
import dev.platter.core.image.MappedReader;
import dev.platter.core.storage.Storage;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The common part of an image Platter reads but does not write: reads and the allocation map through a
 * {@link MappedReader} over the format's {@link ImageMapper} (and the backing image, if any), writes refused,
 * closing the file and the backing image. Nothing changes after opening, so reads run concurrently as far as the
 * mapper allows.
 */
public abstract class ReadOnlyMappedImage implements Image {
    private final Storage storage;
    private final Image backing;
    private final long size;
    private final MappedReader reader;
    private volatile boolean closed;

    protected ReadOnlyMappedImage(Storage storage, ImageMapper mapper, long size, Image backing) {
        this.storage = storage;
        this.backing = backing;
        this.size = size;
        this.reader = new MappedReader(mapper, () -> size, () -> backing);
    }

    @Override
    public final Storage storage() {
        return storage;
    }

    @Override
    public final Image backing() {
        return backing;
    }

    @Override
    public final long size() {
        return size;
    }

    @Override
    public final boolean isReadOnly() {
        return true;
    }

    @Override
    public String describe() {
        return storage.name();
    }

    @Override
    public final void read(long pos, ByteBuffer dst) throws IOException {
        if (pos < 0 || pos > size - dst.remaining()) {
            Bounds.check(pos, dst.remaining(), size, describe());
        }
        ensureOpen();
        reader.read(pos, dst);
    }

    @Override
    public final Extent mapping(long pos, long maxLen) throws IOException {
        if (pos < 0 || maxLen <= 0 || pos >= size) {
            Bounds.checkMapping(pos, maxLen, size, describe());
        }
        ensureOpen();
        return reader.mapping(pos, maxLen);
    }

    @Override
    public final void write(long pos, ByteBuffer src) throws IOException {
        throw new ReadOnlyDeviceException(describe());
    }

    @Override
    public final void writeZeroes(long pos, long len) throws IOException {
        throw new ReadOnlyDeviceException(describe());
    }

    @Override
    public final void discard(long pos, long len) throws IOException {
        throw new ReadOnlyDeviceException(describe());
    }

    @Override
    public final void flush() {
    }

    private void ensureOpen() throws IOException {
        if (closed) {
            throw new IOException(storage.name() + " is closed");
        }
    }

    @Override
    public final void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            release();
        } finally {
            try {
                storage.close();
            } finally {
                if (backing != null) {
                    backing.close();
                }
            }
        }
    }

    /** Drops what the format holds besides the file and the backing image (a key); called once, on close. */
    protected void release() throws IOException {
    }

    /** The file's allocated bytes as {@code info} reports them (null when unknown). */
    protected final Long actualSize() throws IOException {
        long allocated = storage.allocatedBytes();
        return allocated < 0 ? null : allocated;
    }
}
