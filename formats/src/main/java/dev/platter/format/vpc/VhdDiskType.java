package dev.platter.format.vpc;

/** The footer's disk type. */
enum VhdDiskType {
    FIXED(2, "fixed"),
    DYNAMIC(3, "dynamic"),
    DIFFERENCING(4, "differencing");

    final int code;
    /** qemu's subformat name (differencing: Platter's word; qemu cannot create one). */
    final String qemuName;

    VhdDiskType(int code, String qemuName) {
        this.code = code;
        this.qemuName = qemuName;
    }

    static VhdDiskType byCode(int code) {
        for (VhdDiskType t : values()) {
            if (t.code == code) {
                return t;
            }
        }
        return null;
    }
}
