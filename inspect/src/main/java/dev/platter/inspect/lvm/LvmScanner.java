package dev.platter.inspect.lvm;

import dev.platter.core.CorruptImageException;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Assembles volume groups from the PVs found on every disk given (VGs span disks): reads every usable metadata
 * copy, keeps the highest seqno per VG UUID, and matches the VG's PVs to labels by UUID, never by device name. A
 * bad copy only costs that copy; duplicate PV UUIDs (cloned disks) keep the first and warn.
 */
public final class LvmScanner {
    /** Largest metadata text read from one area. */
    static final int MAX_TEXT = ConfigParser.MAX_TEXT;

    private LvmScanner() {
    }

    /** The VGs described by {@code pvs}, in the order their first PV was found. */
    public static List<VolumeGroup> assemble(List<PhysicalVolume> pvs, List<String> warnings) throws IOException {
        Map<String, PhysicalVolume> byUuid = new LinkedHashMap<>();
        for (PhysicalVolume pv : pvs) {
            PhysicalVolume first = byUuid.putIfAbsent(pv.uuid(), pv);
            if (first != null) {
                warnings.add(pv.deviceName() + ": PV UUID " + pv.label().formattedUuid() + " is also on "
                        + first.deviceName() + " (a cloned disk?): using " + first.deviceName());
            }
        }
        Map<String, VgMetadata> best = new LinkedHashMap<>();
        for (PhysicalVolume pv : byUuid.values()) {
            for (DiskArea area : pv.label().metadataAreas()) {
                VgMetadata m = readCopy(pv, area, warnings);
                if (m == null) {
                    continue;
                }
                VgMetadata seen = best.get(m.id());
                if (seen == null || m.seqno() > seen.seqno()) {
                    best.put(m.id(), m);
                }
            }
        }
        List<VolumeGroup> vgs = new ArrayList<>();
        for (VgMetadata m : best.values()) {
            Map<String, PhysicalVolume> bySlot = new HashMap<>();
            for (VgMetadata.Pv p : m.pvs()) {
                PhysicalVolume pv = byUuid.get(p.uuid());
                if (pv != null) {
                    bySlot.put(p.slot(), pv);
                } else {
                    warnings.add("volume group " + m.name() + ": PV " + p.uuid() + " (" + p.slot()
                            + ") was not found; the LVs that use it cannot be read");
                }
            }
            vgs.add(new VolumeGroup(m, bySlot));
        }
        return vgs;
    }

    private static VgMetadata readCopy(PhysicalVolume pv, DiskArea area, List<String> warnings) throws IOException {
        try {
            MdaHeader h = MdaHeader.read(pv.device(), area);
            String text = h.committedText(pv.device(), MAX_TEXT);
            if (text == null) {
                return null;
            }
            return VgMetadata.from(ConfigParser.parse(text));
        } catch (CorruptImageException e) {
            warnings.add(pv.deviceName() + ": metadata area at byte " + area.offset() + ": " + e.getMessage());
            return null;
        }
    }
}
