package dev.platter.format.qcow2;

/**
 * The descriptor of a compressed cluster: with {@code x = 62 - (cluster_bits - 8)}, bits 0..x-1 are the host byte
 * offset of the stream and bits x..61 the number of 512-byte sectors it spans beyond the first.
 *
 * @param hostOffset    byte offset of the compressed stream in the image file
 * @param availableBytes bytes from {@code hostOffset} to the end of the last sector the descriptor names; the
 *                      stream ends somewhere inside them
 */
record CompressedDescriptor(long hostOffset, int availableBytes) {
    static final int SECTOR = 512;

    static int offsetBits(int clusterBits) {
        return 62 - (clusterBits - 8);
    }

    static CompressedDescriptor decode(long entry, int clusterBits) {
        int shift = offsetBits(clusterBits);
        long offset = entry & ((1L << shift) - 1);
        long sectors = ((entry >>> shift) & ((1L << (clusterBits - 8)) - 1)) + 1;
        return new CompressedDescriptor(offset, (int) (sectors * SECTOR - (offset & (SECTOR - 1))));
    }

    /** The L2 entry for a stream of {@code length} bytes at {@code hostOffset} (COPIED clear, as always). */
    static long encode(long hostOffset, int length, int clusterBits) {
        long extraSectors = (hostOffset + length - 1) / SECTOR - hostOffset / SECTOR;
        return L2Entry.COMPRESSED | (extraSectors << offsetBits(clusterBits)) | hostOffset;
    }

    /** Largest host offset a compressed stream may start at for this cluster size. */
    static long maxHostOffset(int clusterBits) {
        return Math.min((1L << offsetBits(clusterBits)) - 1, L2Entry.OFFSET_MASK | 0x1ff);
    }

    /** First host cluster touched by the stream, for refcounting. */
    long firstCluster(int clusterBits) {
        return hostOffset >>> clusterBits;
    }

    /** Last host cluster touched by the readable range (qemu counts the whole sector span). */
    long lastCluster(int clusterBits) {
        return (hostOffset + availableBytes - 1) >>> clusterBits;
    }
}
