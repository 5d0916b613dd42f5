package dev.platter.format.raw;

import dev.platter.core.StorageDevice;
import dev.platter.core.image.Image;
import dev.platter.core.image.ImageInfo;
import dev.platter.core.storage.Storage;

import java.io.IOException;

/**
 * An open raw image. Its virtual size is the file size rounded up to a 512-byte sector, as qemu reports it; the
 * rounded tail reads as zeros.
 */
public final class RawImage extends StorageDevice implements Image {

    RawImage(Storage storage) throws IOException {
        super(storage, roundToSector(storage.size()));
    }

    static long roundToSector(long size) {
        return (size + 511) & ~511L;
    }

    @Override
    public String formatName() {
        return RawFormat.NAME;
    }

    @Override
    public ImageInfo info() throws IOException {
        long allocated = storage().allocatedBytes();
        return ImageInfo.basic(storage().name(), RawFormat.NAME, size(), allocated < 0 ? null : allocated);
    }

    @Override
    public void resize(long newSize, boolean allowShrink) throws IOException {
        checkWritable();
        if (newSize < size() && !allowShrink) {
            throw new IOException("Use the --shrink option to perform a shrink operation.");
        }
        storage().setSize(newSize);
        setDeviceSize(roundToSector(newSize));
    }
}
