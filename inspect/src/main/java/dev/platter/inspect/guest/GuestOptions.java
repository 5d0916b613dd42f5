package dev.platter.inspect.guest;

import dev.platter.core.image.OpenOptions;
import dev.platter.inspect.fs.FsOptions;
import dev.platter.inspect.volume.PartitionTables;

/**
 * How to open a guest.
 *
 * @param sectorSize  the disks' logical sector size (512 or 4096), or {@link PartitionTables#PROBE}
 * @param openOptions how to open the image files (always read-only here; the format comes from each
 *                    {@link DiskSpec}); by default they are shared with other users (qemu's {@code -U}), so that
 *                    the disks of a running guest can be inspected, as libguestfs's read-only mode allows
 * @param fsOptions   how to open the filesystems
 * @param keys        the passphrases of the guest's LUKS volumes (by default none: they stay locked)
 */
public record GuestOptions(int sectorSize, OpenOptions openOptions, FsOptions fsOptions, GuestKeys keys) {

    public GuestOptions(int sectorSize, OpenOptions openOptions, FsOptions fsOptions) {
        this(sectorSize, openOptions, fsOptions, GuestKeys.none());
    }

    public static GuestOptions defaults() {
        return new GuestOptions(PartitionTables.PROBE, OpenOptions.readOnlyDefaults().withForceShare(true),
                FsOptions.defaults(), GuestKeys.none());
    }

    public GuestOptions withSectorSize(int value) {
        return new GuestOptions(value, openOptions, fsOptions, keys);
    }

    public GuestOptions withOpenOptions(OpenOptions value) {
        return new GuestOptions(sectorSize, value, fsOptions, keys);
    }

    public GuestOptions withFsOptions(FsOptions value) {
        return new GuestOptions(sectorSize, openOptions, value, keys);
    }

    /** The passphrases of the guest's LUKS volumes. */
    public GuestOptions withKeys(GuestKeys value) {
        return new GuestOptions(sectorSize, openOptions, fsOptions, value == null ? GuestKeys.none() : value);
    }
}
