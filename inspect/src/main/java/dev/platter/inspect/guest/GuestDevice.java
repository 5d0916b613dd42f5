package dev.platter.inspect.guest;

import dev.platter.core.BlockDevice;
import dev.platter.core.SliceDevice;
import dev.platter.inspect.lvm.LogicalVolume;
import dev.platter.inspect.volume.Partition;

import java.io.IOException;

/**
 * A block device the guest sees: a whole disk, a partition, or an LVM logical volume, with libguestfs's name for
 * it ("/dev/sda", "/dev/sda1", "/dev/VG/LV").
 */
public final class GuestDevice {
    /** What kind of block device it is. */
    public enum Kind { DISK, PARTITION, LV }

    private final String name;
    private final Kind kind;
    private final GuestDisk disk;
    private final Partition partition;
    private final LogicalVolume lv;
    private BlockDevice device;

    private GuestDevice(String name, Kind kind, GuestDisk disk, Partition partition, LogicalVolume lv) {
        this.name = name;
        this.kind = kind;
        this.disk = disk;
        this.partition = partition;
        this.lv = lv;
    }

    static GuestDevice ofDisk(GuestDisk disk) {
        GuestDevice d = new GuestDevice(disk.name(), Kind.DISK, disk, null, null);
        d.device = disk.image();
        return d;
    }

    static GuestDevice ofPartition(GuestDisk disk, Partition p) throws IOException {
        GuestDevice d = new GuestDevice(disk.name() + p.number(), Kind.PARTITION, disk, p, null);
        d.device = SliceDevice.of(disk.image(), p.start(), p.length(), "partition " + p.number());
        return d;
    }

    static GuestDevice ofLv(LogicalVolume lv) {
        return new GuestDevice(lv.path(), Kind.LV, null, null, lv);
    }

    public String name() {
        return name;
    }

    public Kind kind() {
        return kind;
    }

    /** The disk holding this device (null for an LV, which may span disks). */
    public GuestDisk disk() {
        return disk;
    }

    /** The partition, for {@link Kind#PARTITION}. */
    public Partition partition() {
        return partition;
    }

    /** The logical volume, for {@link Kind#LV}. */
    public LogicalVolume logicalVolume() {
        return lv;
    }

    /** The device's bytes; for an LV built on first use, which fails for unsupported segment types. */
    public synchronized BlockDevice device() throws IOException {
        if (device == null) {
            device = lv.device();
        }
        return device;
    }

    /** Size in bytes (what blockdev --getsize64 says). */
    public long size() {
        return switch (kind) {
            case DISK -> disk.image().size();
            case PARTITION -> partition.length();
            case LV -> lv.size();
        };
    }

    @Override
    public String toString() {
        return name;
    }
}
