package dev.platter.format.raw;

import dev.platter.core.image.capability.PersistentBitmaps;
import dev.platter.core.image.capability.SizeEstimate;

import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code qemu-img measure} for raw: every sector of the virtual size, nothing else. */
final class RawSizeEstimate implements SizeEstimate {
    private static final Set<String> OPTIONS = Set.of("size", "preallocation");

    /** Refuses options raw does not have, with qemu-img's message. */
    static RawSizeEstimate of(Map<String, String> createOptions) {
        for (String key : createOptions.keySet()) {
            if (!OPTIONS.contains(key)) {
                throw new IllegalArgumentException("Invalid parameter '" + key + "'");
            }
        }
        return new RawSizeEstimate();
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
        return virtualSize;
    }

    @Override
    public Long bitmapBytes(List<PersistentBitmaps.Bitmap> bitmaps, long virtualSize) {
        return null;
    }
}
