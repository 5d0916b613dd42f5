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
 */
public record GuestOptions(int sectorSize, OpenOptions openOptions, FsOptions fsOptions) {

    public static GuestOptions defaults() {
        return new GuestOptions(PartitionTables.PROBE, OpenOptions.readOnlyDefaults().withForceShare(true),
                FsOptions.defaults());
    }

    public GuestOptions withSectorSize(int value) {
        return new GuestOptions(value, openOptions, fsOptions);
    }

    public GuestOptions withOpenOptions(OpenOptions value) {
        return new GuestOptions(sectorSize, value, fsOptions);
    }

    public GuestOptions withFsOptions(FsOptions value) {
        return new GuestOptions(sectorSize, openOptions, value);
    }
}
