package dev.platter.format.qcow2;

/**
 * L1 and L2 table entries (64-bit words). L1: bits 9-55 the L2 table offset, bit 63 COPIED. L2: bit 63 COPIED
 * (refcount exactly 1, may be written in place), bit 62 compressed, bits 0-61 the cluster descriptor: for a
 * standard cluster bit 0 = reads as zeros (v3, not with extended L2), bits 9-55 the host cluster offset. With
 * extended L2 each entry is followed by a subcluster bitmap: bit x = subcluster x allocated, bit 32+x = reads as
 * zeros.
 */
final class L2Entry {
    static final long COPIED = 1L << 63;
    static final long COMPRESSED = 1L << 62;
    static final long ZERO = 1L;
    static final long OFFSET_MASK = 0x00ff_ffff_ffff_fe00L;
    /** Bits a standard L2 entry must leave clear (1-8 and 56-61). */
    static final long STANDARD_RESERVED = 0x3f00_0000_0000_01feL;
    /** Bits an L1 entry must leave clear (0-8 and 56-62). */
    static final long L1_RESERVED = 0x7f00_0000_0000_01ffL;
    static final long ALL_ALLOCATED = 0xffff_ffffL;
    static final long ALL_ZERO = 0xffff_ffffL << 32;

    /** What one cluster (or subcluster) of the virtual disk is. */
    enum Type {
        /** Not allocated here: the backing file, or zeros. */
        UNALLOCATED,
        /** Reads as zeros; no host cluster. */
        ZERO_PLAIN,
        /** Reads as zeros; a host cluster is reserved (preallocated). */
        ZERO_ALLOC,
        /** Stored data at a host offset. */
        NORMAL,
        /** A compressed cluster. */
        COMPRESSED,
        /** Extended L2: unallocated subcluster of a cluster that has a host cluster. */
        UNALLOCATED_ALLOC
    }

    private L2Entry() {
    }

    static long hostOffset(long entry) {
        return entry & OFFSET_MASK;
    }

    static boolean isCompressed(long entry) {
        return (entry & COMPRESSED) != 0;
    }

    static boolean isCopied(long entry) {
        return (entry & COPIED) != 0;
    }

    /**
     * The type of a cluster with a standard (not extended) L2 entry.
     *
     * @param hasDataFile with an external data file offset 0 with COPIED is a valid allocation
     */
    static Type standardType(long entry, boolean hasDataFile) {
        if ((entry & COMPRESSED) != 0) {
            return Type.COMPRESSED;
        }
        long host = entry & OFFSET_MASK;
        boolean allocated = host != 0 || (hasDataFile && (entry & COPIED) != 0);
        if ((entry & ZERO) != 0) {
            return allocated ? Type.ZERO_ALLOC : Type.ZERO_PLAIN;
        }
        return allocated ? Type.NORMAL : Type.UNALLOCATED;
    }

    /** The type of subcluster {@code sc} of a cluster with an extended L2 entry and its bitmap. */
    static Type subclusterType(long entry, long bitmap, int sc, boolean hasDataFile) {
        if ((entry & COMPRESSED) != 0) {
            return Type.COMPRESSED;
        }
        long host = entry & OFFSET_MASK;
        boolean allocated = host != 0 || (hasDataFile && (entry & COPIED) != 0);
        if ((bitmap & (1L << (32 + sc))) != 0) {
            return allocated ? Type.ZERO_ALLOC : Type.ZERO_PLAIN;
        }
        if ((bitmap & (1L << sc)) != 0) {
            return Type.NORMAL; // validity (a host offset) is checked by the reader
        }
        return allocated ? Type.UNALLOCATED_ALLOC : Type.UNALLOCATED;
    }

    /** True when the descriptor of a standard cluster (bits 1-8, 56-61) has reserved bits set. */
    static boolean hasReservedBits(long entry) {
        return (entry & COMPRESSED) == 0 && (entry & STANDARD_RESERVED) != 0;
    }

    static long l1Offset(long l1Entry) {
        return l1Entry & OFFSET_MASK;
    }
}
