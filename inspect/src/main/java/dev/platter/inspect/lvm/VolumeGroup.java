package dev.platter.inspect.lvm;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * An assembled volume group: the winning metadata copy and the PVs found for its slots (matched by UUID). PVs that
 * were not found leave their LVs unreadable; the others work.
 */
public final class VolumeGroup {
    private final VgMetadata metadata;
    private final Map<String, PhysicalVolume> pvsBySlot;
    private final List<LogicalVolume> lvs = new ArrayList<>();

    VolumeGroup(VgMetadata metadata, Map<String, PhysicalVolume> pvsBySlot) {
        this.metadata = metadata;
        this.pvsBySlot = Map.copyOf(pvsBySlot);
        for (VgMetadata.Lv lv : metadata.lvs()) {
            if (lv.visible()) {
                lvs.add(new LogicalVolume(this, lv));
            }
        }
    }

    public String name() {
        return metadata.name();
    }

    public VgMetadata metadata() {
        return metadata;
    }

    /** The PV found for {@code slot}, or null when it is missing. */
    public PhysicalVolume physicalVolume(String slot) {
        return pvsBySlot.get(slot);
    }

    /** The PVs found, in the order the metadata lists them. */
    public List<PhysicalVolume> physicalVolumes() {
        List<PhysicalVolume> out = new ArrayList<>();
        for (VgMetadata.Pv p : metadata.pvs()) {
            PhysicalVolume pv = pvsBySlot.get(p.slot());
            if (pv != null) {
                out.add(pv);
            }
        }
        return out;
    }

    /** The user-visible LVs, in metadata order. */
    public List<LogicalVolume> logicalVolumes() {
        return Collections.unmodifiableList(lvs);
    }

    /** Total size: every PV's extents. */
    public long size() {
        long n = 0;
        for (VgMetadata.Pv p : metadata.pvs()) {
            n += p.peCount();
        }
        return n * metadata.extentSize();
    }
}
