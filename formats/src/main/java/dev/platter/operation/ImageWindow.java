package dev.platter.operation;

import dev.platter.core.Bounds;
import dev.platter.core.Extent;
import dev.platter.core.ReadOnlyDeviceException;
import dev.platter.core.image.Image;
import dev.platter.core.image.ImageInfo;
import dev.platter.core.storage.Storage;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A read-only window {@code [offset, offset + length)} of an image, itself seen as an image (what {@code dd} with
 * {@code skip=} copies). Its allocation map keeps the inner layers' host offsets, which stay valid, so data can
 * still be read straight from the host files. Does not close the inner image.
 */
final class ImageWindow implements Image {
    private final Image inner;
    private final long offset;
    private final long length;

    ImageWindow(Image inner, long offset, long length) {
        if (offset < 0 || length < 0 || offset > inner.size() || length > inner.size() - offset) {
            throw new IllegalArgumentException("window " + offset + "+" + length + " outside " + inner.describe());
        }
        this.inner = inner;
        this.offset = offset;
        this.length = length;
    }

    @Override
    public String formatName() {
        return inner.formatName();
    }

    @Override
    public Storage storage() {
        return inner.storage();
    }

    @Override
    public Image backing() {
        // Only consulted to find the host files of deeper layers, whose offsets the window does not shift.
        return inner.backing();
    }

    @Override
    public ImageInfo info() throws IOException {
        return inner.info();
    }

    @Override
    public long size() {
        return length;
    }

    @Override
    public boolean isReadOnly() {
        return true;
    }

    @Override
    public void read(long pos, ByteBuffer dst) throws IOException {
        Bounds.check(pos, dst.remaining(), length, describe());
        inner.read(offset + pos, dst);
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

    @Override
    public Extent mapping(long pos, long maxLen) throws IOException {
        Bounds.checkMapping(pos, maxLen, length, describe());
        Extent e = inner.mapping(offset + pos, Math.min(maxLen, length - pos));
        return e.withStart(pos);
    }

    @Override
    public String describe() {
        return inner.describe() + " [" + offset + "+" + length + "]";
    }

    @Override
    public void close() {
        // The window does not own the image.
    }
}
