package dev.platter.core.image.capability;

import java.io.IOException;

/**
 * Images whose mapping may call data what the host file stores as a hole (metadata preallocated, data never
 * written). qemu then asks the host file about such runs and reports holes under them as zeros, so that convert,
 * map and measure neither read nor count them.
 */
public interface PreallocatedMetadata {

    /** qemu's test: whether this image's data runs should be refined by the host file's holes. */
    boolean metadataPreallocated() throws IOException;
}
