package dev.platter.core.image.capability;

import java.util.List;

/**
 * How large a new image of a format would be ({@code qemu-img measure}), for one set of creation options. The
 * caller counts the source's data; the format knows its unit of allocation and its metadata.
 */
public interface SizeEstimate {

    /** The allocation unit: a virtual size is rounded up to it, and data is counted in whole units. */
    long unit();

    /** Refuses a (rounded) virtual size the format cannot hold, with qemu-img's message. */
    void checkSize(long virtualSize);

    /** True when every unit takes space whatever the source holds (raw; preallocated data). */
    boolean allocatesAll();

    /** The file size with every unit of {@code virtualSize} allocated, metadata included. */
    long fullyAllocated(long virtualSize);

    /** The space the source's bitmaps take in the new image, or null when the new image cannot carry them. */
    Long bitmapBytes(List<PersistentBitmaps.Bitmap> bitmaps, long virtualSize);
}
