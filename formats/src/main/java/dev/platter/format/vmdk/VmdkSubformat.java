package dev.platter.format.vmdk;

/**
 * The layouts {@code create -o subformat=} makes, as qemu names them: where the descriptor lives, whether extents
 * are sparse or flat, and whether the disk is split into 2 GiB extent files.
 */
enum VmdkSubformat {
    MONOLITHIC_SPARSE("monolithicSparse", false, false),
    MONOLITHIC_FLAT("monolithicFlat", true, false),
    TWO_GB_MAX_EXTENT_SPARSE("twoGbMaxExtentSparse", false, true),
    TWO_GB_MAX_EXTENT_FLAT("twoGbMaxExtentFlat", true, true),
    STREAM_OPTIMIZED("streamOptimized", false, false);

    /** qemu's split size: every extent file but the last covers exactly this much of the disk. */
    static final long SPLIT_BYTES = 0x80000000L;

    final String qemuName;
    final boolean flat;
    final boolean split;

    VmdkSubformat(String qemuName, boolean flat, boolean split) {
        this.qemuName = qemuName;
        this.flat = flat;
        this.split = split;
    }

    /** The descriptor is embedded in the one sparse extent file (no separate descriptor file). */
    boolean monolithicSparse() {
        return !flat && !split;
    }

    static VmdkSubformat byName(String name) {
        for (VmdkSubformat s : values()) {
            if (s.qemuName.equals(name)) {
                return s;
            }
        }
        return null;
    }
}
