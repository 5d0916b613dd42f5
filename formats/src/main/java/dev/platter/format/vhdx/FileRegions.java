package dev.platter.format.vhdx;

import java.util.ArrayList;
import java.util.List;

/**
 * The parts of the file that hold metadata (the log and the regions of the region table), as qemu registers them:
 * no region may overlap another, and no payload block may overlap any of them.
 */
final class FileRegions {
    private final List<RegionTable.Region> regions = new ArrayList<>();

    void add(long offset, long length) {
        regions.add(new RegionTable.Region(offset, length));
    }

    boolean overlaps(long offset, long length) {
        for (RegionTable.Region r : regions) {
            if (r.overlaps(offset, length)) {
                return true;
            }
        }
        return false;
    }
}
