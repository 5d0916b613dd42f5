package dev.platter.inspect.guest;

import dev.platter.core.image.OpenOptions;
import dev.platter.inspect.fs.FsOptions;
import dev.platter.inspect.volume.PartitionTables;

/**
 * How to open a guest.
 *
 * @param sectorSize  the disks' logical sector size (512 or 4096), or {@link PartitionTables#PROBE}
 * @param openOptions how to open the image files (the format comes from each {@link DiskSpec}; read-only or not
 *                    follows {@code writable}); by default they are shared with other users (qemu's {@code -U}), so
 *                    that the disks of a running guest can be inspected, as libguestfs's read-only mode allows
 * @param fsOptions   how to open the filesystems
 * @param keys        the passphrases of the guest's LUKS volumes (by default none: they stay locked)
 * @param writable    open the images read-write with qemu's write lock (never shared), so that the filesystems
 *                    mounted can be written ({@link DetectedFilesystem#writableFileSystem()}); false by default
 */
public record GuestOptions(int sectorSize, OpenOptions openOptions, FsOptions fsOptions, GuestKeys keys,
                           boolean writable) {

    public GuestOptions(int sectorSize, OpenOptions openOptions, FsOptions fsOptions, GuestKeys keys) {
        this(sectorSize, openOptions, fsOptions, keys, false);
    }

    public GuestOptions(int sectorSize, OpenOptions openOptions, FsOptions fsOptions) {
        this(sectorSize, openOptions, fsOptions, GuestKeys.none(), false);
    }

    public static GuestOptions defaults() {
        return new GuestOptions(PartitionTables.PROBE, OpenOptions.readOnlyDefaults().withForceShare(true),
                FsOptions.defaults(), GuestKeys.none(), false);
    }

    public GuestOptions withSectorSize(int value) {
        return new GuestOptions(value, openOptions, fsOptions, keys, writable);
    }

    public GuestOptions withOpenOptions(OpenOptions value) {
        return new GuestOptions(sectorSize, value, fsOptions, keys, writable);
    }

    public GuestOptions withFsOptions(FsOptions value) {
        return new GuestOptions(sectorSize, openOptions, value, keys, writable);
    }

    /** The passphrases of the guest's LUKS volumes. */
    public GuestOptions withKeys(GuestKeys value) {
        return new GuestOptions(sectorSize, openOptions, fsOptions, value == null ? GuestKeys.none() : value,
                writable);
    }

    /**
     * Read-write: the images are opened for writing and locked as a writing qemu locks them (a running qemu holding
     * one makes {@link Guest#open} fail with qemu's {@code Failed to get "write" lock}); {@code -U} sharing is
     * dropped, since a writer can share nothing.
     */
    public GuestOptions withWritable(boolean value) {
        return new GuestOptions(sectorSize, openOptions, fsOptions, keys, value);
    }
}
