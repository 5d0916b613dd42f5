package dev.platter.core.image.capability;

import dev.platter.core.Extent;

import java.io.IOException;

/**
 * Images whose mapping may call data what the host file stores as a hole (metadata preallocated, data never
 * written; a VMDK flat extent). qemu then asks the host file about such runs (its BDRV_BLOCK_RECURSE) and reports
 * holes under them as zeros, so that convert, map and measure neither read nor count them.
 */
public interface PreallocatedMetadata {

    /** qemu's test: whether this image's data runs should be refined by the host file's holes. */
    boolean metadataPreallocated() throws IOException;

    /**
     * Whether one data run of this layer is refined by its host file's holes; by default every run is when
     * {@link #metadataPreallocated()}. A format that asks the host only for some runs (VMDK: those of flat extents)
     * answers per run.
     */
    default boolean refinedByHost(Extent run) throws IOException {
        return metadataPreallocated();
    }
}
