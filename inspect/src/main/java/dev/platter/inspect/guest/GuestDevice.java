package dev.platter.inspect.guest;

import dev.platter.core.BlockDevice;
import dev.platter.core.SliceDevice;
import dev.platter.inspect.lvm.LogicalVolume;
import dev.platter.inspect.volume.Partition;

import java.io.IOException;

/**
 * A block device the guest sees: a whole disk, a partition, an LVM logical volume, or an opened LUKS volume, with
 * libguestfs's name for it ("/dev/sda", "/dev/sda1", "/dev/VG/LV", "/dev/mapper/luks-UUID").
 */
public final class GuestDevice {
    /** What kind of block device it is. */
    public enum Kind {
        DISK, PARTITION, LV,
        /** The decrypted payload of a LUKS volume (dm-crypt's mapping), named /dev/mapper/luks-UUID. */
        MAPPED
    }

    private final String name;
    private final Kind kind;
    private final GuestDisk disk;
    private final Partition partition;
    private final LogicalVolume lv;
    private final GuestDevice encrypted;
    private final String luksUuid;
    private BlockDevice device;

    private GuestDevice(String name, Kind kind, GuestDisk disk, Partition partition, LogicalVolume lv,
                        GuestDevice encrypted, String luksUuid) {
        this.name = name;
        this.kind = kind;
        this.disk = disk;
        this.partition = partition;
        this.lv = lv;
        this.encrypted = encrypted;
        this.luksUuid = luksUuid;
    }

    static GuestDevice ofDisk(GuestDisk disk) {
        GuestDevice d = new GuestDevice(disk.name(), Kind.DISK, disk, null, null, null, null);
        d.device = disk.image();
        return d;
    }

    static GuestDevice ofPartition(GuestDisk disk, Partition p) throws IOException {
        GuestDevice d = new GuestDevice(disk.name() + p.number(), Kind.PARTITION, disk, p, null, null, null);
        d.device = SliceDevice.of(disk.image(), p.start(), p.length(), "partition " + p.number());
        return d;
    }

    static GuestDevice ofLv(LogicalVolume lv) {
        return new GuestDevice(lv.path(), Kind.LV, null, null, lv, null, null);
    }

    /** The opened LUKS volume on {@code encrypted}: its decrypted payload, named as libguestfs's tools name it. */
    static GuestDevice ofMapped(GuestDevice encrypted, String uuid, BlockDevice decrypted) {
        GuestDevice d = new GuestDevice(mapperName(uuid), Kind.MAPPED, null, null, null, encrypted, uuid);
        d.device = decrypted;
        return d;
    }

    /** "/dev/mapper/luks-UUID": the name virt-ls, virt-cat and virt-inspector 1.48 give an opened LUKS volume. */
    public static String mapperName(String luksUuid) {
        return "/dev/mapper/luks-" + luksUuid;
    }

    public String name() {
        return name;
    }

    public Kind kind() {
        return kind;
    }

    /** The disk holding this device (null for an LV, which may span disks, and for an opened LUKS volume). */
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

    /** For {@link Kind#MAPPED}: the device holding the LUKS volume (a partition, an LV ...); else null. */
    public GuestDevice encryptedDevice() {
        return encrypted;
    }

    /** For {@link Kind#MAPPED}: the LUKS volume's UUID; else null. */
    public String luksUuid() {
        return luksUuid;
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
            case MAPPED -> device.size();
        };
    }

    @Override
    public String toString() {
        return name;
    }
}
