package dev.platter.format.luks;

import dev.platter.core.image.capability.SizeEstimate;
import dev.platter.core.image.capability.PersistentBitmaps;

import java.util.List;

/** {@code qemu-img measure -O luks}: the header area, then every sector of the virtual size. */
final class LuksSizeEstimate implements SizeEstimate {
    private final long headerBytes;

    LuksSizeEstimate(long headerBytes) {
        this.headerBytes = headerBytes;
    }

    @Override
    public long unit() {
        return 512;
    }

    @Override
    public void checkSize(long virtualSize) {
    }

    @Override
    public boolean allocatesAll() {
        return true;
    }

    @Override
    public long fullyAllocated(long virtualSize) {
        return headerBytes + virtualSize;
    }

    @Override
    public Long bitmapBytes(List<PersistentBitmaps.Bitmap> bitmaps, long virtualSize) {
        return null;
    }
}
