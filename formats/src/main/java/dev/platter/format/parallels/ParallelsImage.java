package dev.platter.format.parallels;

import dev.platter.core.Bounds;
import dev.platter.core.Extent;
import dev.platter.core.ReadOnlyDeviceException;
import dev.platter.core.UnsupportedFeatureException;
import dev.platter.core.image.Image;
import dev.platter.core.image.ImageInfo;
import dev.platter.core.image.MappedReader;
import dev.platter.core.image.OpenOptions;
import dev.platter.core.storage.Storage;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * An open Parallels image, read only: clusters through the catalog ({@link ParallelsMapper}); clusters without
 * data read as zeros (qemu-img's parallels images name no backing file). The format extension (dirty bitmaps) is
 * not read: it does not change the disk's content. Nothing changes after opening, so reads run concurrently.
 */
public final class ParallelsImage implements Image {
    private final Storage storage;
    private final ParallelsHeader header;
    private final MappedReader reader;
    private volatile boolean closed;

    private ParallelsImage(Storage storage, ParallelsHeader header, ParallelsMapper mapper) {
        this.storage = storage;
        this.header = header;
        this.reader = new MappedReader(mapper, () -> header.sectors * 512, () -> null);
    }

    static ParallelsImage open(Storage storage, OpenOptions options) throws IOException {
        if (!options.readOnly()) {
            throw new UnsupportedFeatureException("writes to parallels images", "'" + storage.name() + "': Platter "
                    + "reads parallels images but does not write them (open it read-only, or convert it)");
        }
        ParallelsHeader h = ParallelsHeader.read(storage);
        return new ParallelsImage(storage, h, ParallelsMapper.read(storage, h));
    }

    /** Whether the image says it was not closed cleanly (qemu opens such an image read-only only). */
    public boolean inUse() {
        return header.inUse;
    }

    @Override
    public String formatName() {
        return ParallelsFormat.NAME;
    }

    @Override
    public Storage storage() {
        return storage;
    }

    @Override
    public long size() {
        return header.sectors * 512;
    }

    @Override
    public boolean isReadOnly() {
        return true;
    }

    @Override
    public String describe() {
        return storage.name();
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
        if (!closed) {
            closed = true;
            storage.close();
        }
    }

    /** qemu's: parallels has no get_info in 7.2, so no cluster size and no dirty flag. */
    @Override
    public ImageInfo info() throws IOException {
        long allocated = storage.allocatedBytes();
        return new ImageInfo(storage.name(), ParallelsFormat.NAME, size(), null, allocated < 0 ? null : allocated,
                false, null, null, null, java.util.List.of(), null, null, null);
    }
}
