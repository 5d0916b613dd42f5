package dev.platter.format.qcow2;

/**
 * The sizes that follow from a qcow2 header's cluster_bits, extended-L2 bit and refcount_order: how guest
 * offsets split into L1 index, L2 index and offset in the cluster, and how host clusters map onto refcount
 * blocks.
 */
record Geometry(int clusterBits, boolean extendedL2, int refcountOrder) {
    /** Subclusters per cluster with extended L2 entries. */
    static final int SUBCLUSTERS = 32;

    int clusterSize() {
        return 1 << clusterBits;
    }

    long offsetInCluster(long offset) {
        return offset & (clusterSize() - 1);
    }

    long clusterStart(long offset) {
        return offset & ~(long) (clusterSize() - 1);
    }

    /** Bytes per L2 entry: 8, or 16 with extended L2 (entry + subcluster bitmap). */
    int l2EntryBytes() {
        return extendedL2 ? 16 : 8;
    }

    /** Entries per L2 table (one cluster). */
    int l2Entries() {
        return clusterSize() / l2EntryBytes();
    }

    int l2Bits() {
        return Integer.numberOfTrailingZeros(l2Entries());
    }

    /** Virtual bytes one L2 table maps. */
    long l2Coverage() {
        return (long) l2Entries() << clusterBits;
    }

    int subclusterBits() {
        return extendedL2 ? clusterBits - 5 : clusterBits;
    }

    int subclusterSize() {
        return 1 << subclusterBits();
    }

    long l1Index(long virtualOffset) {
        return virtualOffset >>> (clusterBits + l2Bits());
    }

    int l2Index(long virtualOffset) {
        return (int) ((virtualOffset >>> clusterBits) & (l2Entries() - 1));
    }

    /** Index of the subcluster holding {@code virtualOffset} inside its cluster. */
    int subclusterIndex(long virtualOffset) {
        return (int) (offsetInCluster(virtualOffset) >>> subclusterBits());
    }

    /** L1 entries needed to map {@code virtualSize} bytes. */
    long l1EntriesFor(long virtualSize) {
        long coverage = l2Coverage();
        return virtualSize / coverage + (virtualSize % coverage == 0 ? 0 : 1);
    }

    int refcountBits() {
        return 1 << refcountOrder;
    }

    /** Largest refcount the width can hold (64-bit widths are capped at Long.MAX_VALUE). */
    long refcountMax() {
        return refcountOrder == 6 ? Long.MAX_VALUE : (1L << refcountBits()) - 1;
    }

    /** Refcounts per refcount block (one cluster). */
    long refcountsPerBlock() {
        return ((long) clusterSize() * 8) >>> refcountOrder;
    }

    int refcountBlockBits() {
        return Long.numberOfTrailingZeros(refcountsPerBlock());
    }

    /** Refcount table entries per cluster of the table. */
    int refcountTableEntriesPerCluster() {
        return clusterSize() / 8;
    }

    /** Number of clusters {@code bytes} bytes occupy. */
    long clustersFor(long bytes) {
        return (bytes + clusterSize() - 1) >>> clusterBits;
    }
}
