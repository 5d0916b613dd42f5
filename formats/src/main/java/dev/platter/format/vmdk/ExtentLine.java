package dev.platter.format.vmdk;

/**
 * One extent line of a descriptor that qemu opens: {@code RW <sectors> <type> "<file>" [<offset>]}.
 *
 * @param sectors    the extent's size in sectors as the line states it (a sparse extent's own header overrides it)
 * @param type       FLAT, SPARSE, VMFS, VMFSSPARSE or SESPARSE
 * @param fileName   the file as stored (relative to the descriptor's folder unless absolute)
 * @param offset     the start sector inside a FLAT file (0 for VMFS, -1 for the others)
 */
record ExtentLine(long sectors, String type, String fileName, long offset) {
    static final String FLAT = "FLAT";
    static final String SPARSE = "SPARSE";
    static final String VMFS = "VMFS";
    static final String VMFS_SPARSE = "VMFSSPARSE";
    static final String SE_SPARSE = "SESPARSE";

    /** FLAT and VMFS extents are raw bytes in their file. */
    boolean flat() {
        return type.equals(FLAT) || type.equals(VMFS);
    }
}
