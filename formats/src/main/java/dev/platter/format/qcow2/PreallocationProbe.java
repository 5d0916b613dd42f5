package dev.platter.format.qcow2;

import java.io.IOException;

/**
 * qemu's test for a qcow2 image with preallocated metadata (qcow2_detect_metadata_preallocation): the clusters with
 * a non-zero refcount outnumber the clusters the host file really has allocated by a ninth (and at least two). Only
 * for such images does qemu's block status look under data clusters at the host file's holes, which changes what
 * {@code map}, {@code measure} and {@code compare -s} report.
 */
final class PreallocationProbe {
    private PreallocationProbe() {
    }

    /** The caller holds the image's write lock (reading refcounts may load refcount blocks). */
    static boolean metadataPreallocated(Qcow2Metadata m) throws IOException {
        long cs = m.geo.clusterSize();
        long allocated = m.file.allocatedBytes();
        if (allocated < 0) {
            return false;
        }
        long real = allocated / cs;
        long threshold = Math.max(real * 10 / 9, real + 2);
        long end = (m.file.size() + cs - 1) / cs;
        long used = 0;
        for (long c = 0; c < end && used < threshold; c++) {
            if (m.refcounts.get(c) != 0) {
                used++;
            }
        }
        return used >= threshold;
    }
}
