package dev.platter.inspect.lvm;

import dev.platter.core.BlockDevice;
import dev.platter.core.ConcatDevice;
import dev.platter.core.CorruptImageException;
import dev.platter.core.SliceDevice;
import dev.platter.core.UnsupportedFeatureException;
import dev.platter.inspect.volume.StripedDevice;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A logical volume of an assembled VG. Its device is built on first use from its segments: a slice of a PV for a
 * linear segment, a {@link StripedDevice} over PV slices for a striped one, the segments end to end. Segment types
 * other than "striped" (thin, mirror, raid, cache, snapshot, vdo ...) are refused with an
 * {@link UnsupportedFeatureException} naming the type.
 */
public final class LogicalVolume {
    private final VolumeGroup vg;
    private final VgMetadata.Lv meta;
    private BlockDevice device;

    LogicalVolume(VolumeGroup vg, VgMetadata.Lv meta) {
        this.vg = vg;
        this.meta = meta;
    }

    public VolumeGroup volumeGroup() {
        return vg;
    }

    public String name() {
        return meta.name();
    }

    /** The LV UUID with dashes, as lvs prints it. */
    public String uuid() {
        return meta.id();
    }

    public VgMetadata.Lv metadata() {
        return meta;
    }

    /** libguestfs's name: /dev/VG/LV. */
    public String path() {
        return "/dev/" + vg.name() + "/" + meta.name();
    }

    /** The device-mapper name: VG-LV with every dash inside either name doubled. */
    public String mapperName() {
        return vg.name().replace("-", "--") + "-" + meta.name().replace("-", "--");
    }

    /** Size in bytes. */
    public long size() {
        return meta.extentCount() * vg.metadata().extentSize();
    }

    /** The first segment type Platter cannot read, or null when every segment is linear or striped. */
    public String unsupportedType() {
        for (VgMetadata.Segment s : meta.segments()) {
            if (!s.type().equals("striped")) {
                return s.type();
            }
        }
        return null;
    }

    /** The LV's contents as a read-only view of its PVs. */
    public synchronized BlockDevice device() throws IOException {
        if (device == null) {
            device = build();
        }
        return device;
    }

    private BlockDevice build() throws IOException {
        String type = unsupportedType();
        if (type != null) {
            throw new UnsupportedFeatureException("LVM segment type " + type, path() + ": LVM segment type '" + type
                    + "' is not supported (thin pools, mirrors, RAID, caches and snapshots are not read)");
        }
        long es = vg.metadata().extentSize();
        List<BlockDevice> parts = new ArrayList<>();
        for (VgMetadata.Segment s : meta.segments()) {
            int n = s.stripes().size();
            long legLength = Math.multiplyExact(s.extentCount() / n, es);
            List<BlockDevice> legs = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                legs.add(leg(s, s.stripes().get(i), legLength, i));
            }
            String label = "lv " + vg.name() + "/" + meta.name() + " extents " + s.startExtent() + "+"
                    + s.extentCount();
            if (n == 1) {
                parts.add(legs.get(0));
            } else {
                if (legLength % s.stripeSize() != 0) {
                    throw new CorruptImageException("LVM2 metadata text", -1, path() + ": stripe size "
                            + s.stripeSize() + " does not divide a leg of " + legLength + " bytes");
                }
                parts.add(new StripedDevice(legs, s.stripeSize(), label));
            }
        }
        return new ConcatDevice(parts, "lv " + vg.name() + "/" + meta.name(), false);
    }

    private BlockDevice leg(VgMetadata.Segment s, VgMetadata.Stripe stripe, long length, int index)
            throws IOException {
        VgMetadata.Pv pvMeta = vg.metadata().pv(stripe.pvSlot());
        if (pvMeta == null) {
            throw new CorruptImageException("LVM2 metadata text", -1, path() + ": segment at extent "
                    + s.startExtent() + " names PV slot '" + stripe.pvSlot() + "', which the VG does not have");
        }
        PhysicalVolume pv = vg.physicalVolume(stripe.pvSlot());
        if (pv == null) {
            throw new IOException(path() + ": PV " + pvMeta.uuid() + " (" + stripe.pvSlot()
                    + ") is missing: attach every disk of the volume group");
        }
        if (stripe.firstPe() + s.extentCount() / s.stripes().size() > pvMeta.peCount()) {
            throw new CorruptImageException("LVM2 metadata text", -1, path() + ": stripe " + index
                    + " runs past the " + pvMeta.peCount() + " extents of " + stripe.pvSlot());
        }
        long start = Math.addExact(pvMeta.peStart(), Math.multiplyExact(stripe.firstPe(), vg.metadata().extentSize()));
        return SliceDevice.of(pv.device(), start, length,
                "lv " + vg.name() + "/" + meta.name() + " on " + pv.deviceName());
    }

    @Override
    public String toString() {
        return path();
    }
}
