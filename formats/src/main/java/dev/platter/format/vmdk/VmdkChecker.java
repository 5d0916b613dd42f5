package dev.platter.format.vmdk;

import dev.platter.core.image.ImageCheck;

import java.io.IOException;
import java.util.List;

/**
 * qemu-img check for vmdk (qemu's vmdk_co_check): walks the disk one grain at a time (a flat extent is one grain)
 * and stops at the first grain whose offset cannot be looked up or lies at or past the end of its extent file,
 * with qemu's message and error. Nothing else is checked and nothing can be repaired.
 */
final class VmdkChecker {
    private VmdkChecker() {
    }

    static ImageCheck check(String name, List<VmdkExtent> extents) throws IOException {
        long[] starts = new long[extents.size()];
        long total = 0;
        for (int i = 0; i < starts.length; i++) {
            starts[i] = total / 512;
            total += extents.get(i).length();
        }
        long totalSectors = total / 512;
        int i = 0;
        for (long sector = 0; sector < totalSectors; ) {
            while (i + 1 < starts.length && sector >= starts[i + 1]) {
                i++;
            }
            VmdkExtent e = extents.get(i);
            long host;
            try {
                host = e.checkOffset((sector - starts[i]) * 512);
            } catch (IOException lookupFailed) {
                return failed(name, "ERROR: could not get cluster_offset for sector " + sector,
                        "Operation not permitted");
            }
            if (host >= 0 && host >= e.storage.size()) {
                return failed(name, "ERROR: cluster offset for sector " + sector + " points after EOF",
                        "Invalid argument");
            }
            sector += e.clusterBytes() / 512;
        }
        return new ImageCheck(name, VmdkFormat.NAME, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, List.of(), null);
    }

    private static ImageCheck failed(String name, String message, String failure) {
        return new ImageCheck(name, VmdkFormat.NAME, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, List.of(message), failure);
    }
}
