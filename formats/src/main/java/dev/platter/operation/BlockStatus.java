package dev.platter.operation;

import dev.platter.core.Extent;

/**
 * qemu's block-status word for one run of an image's whole chain (bdrv_block_status_above with no base), built
 * from the allocation map: what {@code compare -s} compares and {@code measure} counts.
 *
 * @param allocated some layer allocates the run
 * @param data      stored data
 * @param zero      reads as zeros
 * @param hasOffset the bytes have a host offset
 * @param eof       the run reaches the end of the image
 * @param length    bytes in the run
 */
record BlockStatus(boolean allocated, boolean data, boolean zero, boolean hasOffset, boolean eof, long length) {

    static BlockStatus of(HostStatus s, long imageSize) {
        Extent e = s.extent();
        return new BlockStatus(e.status() != Extent.Status.UNALLOCATED, e.status() == Extent.Status.DATA,
                s.zero(), e.hostOffset() >= 0, e.end() >= imageSize, e.length());
    }

    /** The flags alone, as qemu compares them in strict mode. */
    boolean sameFlags(BlockStatus o) {
        return allocated == o.allocated && data == o.data && zero == o.zero && hasOffset == o.hasOffset
                && eof == o.eof;
    }
}
