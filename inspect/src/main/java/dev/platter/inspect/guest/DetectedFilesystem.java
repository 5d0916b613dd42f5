package dev.platter.inspect.guest;

import dev.platter.core.BlockDevice;
import dev.platter.inspect.fs.FileSystemDriver;
import dev.platter.inspect.fs.FsOptions;
import dev.platter.inspect.fs.GuestFileSystem;
import dev.platter.inspect.fs.StatFs;

import dev.platter.inspect.volume.Content;
import dev.platter.inspect.volume.ContentProbe;
import dev.platter.inspect.volume.FatBootSector;

import java.io.IOException;

/**
 * A filesystem detected on a guest device, identified as blkid would (type, label, UUID). Filesystems Platter reads
 * (ext2/3/4, XFS) carry their opened {@link GuestFileSystem} (a driver's reader of that filesystem's inodes); others
 * (swap, vfat, ntfs, "unknown") are listed only.
 */
public final class DetectedFilesystem {
    private final GuestDevice device;
    private final String type;
    private final String label;
    private final String uuid;
    private final GuestFileSystem fs;
    /** Why its driver could not open it (a journal that cannot be replayed, corruption ...), or null. */
    private final String openFailure;

    DetectedFilesystem(GuestDevice device, String type, String label, String uuid, GuestFileSystem fs) {
        this(device, type, label, uuid, fs, null);
    }

    private DetectedFilesystem(GuestDevice device, String type, String label, String uuid, GuestFileSystem fs,
                               String openFailure) {
        this.device = device;
        this.type = type;
        this.label = label;
        this.uuid = uuid;
        this.fs = fs;
        this.openFailure = openFailure;
    }

    /** Identifies what {@code device} holds, or returns null for containers (PVs, RAID members, LUKS). */
    static DetectedFilesystem identify(GuestDevice device, FsOptions options, java.util.List<String> warnings)
            throws IOException {
        BlockDevice dev = device.device();
        for (FileSystemDriver driver : FileSystemDrivers.all()) {
            if (!driver.probe(dev)) {
                continue;
            }
            try {
                GuestFileSystem fs = driver.open(dev, options);
                for (String w : fs.warnings()) {
                    warnings.add(device.name() + ": " + w);
                }
                return new DetectedFilesystem(device, fs.type(), fs.label(), fs.uuid(), fs);
            } catch (IOException e) {
                warnings.add(device.name() + ": " + e.getMessage());
                return new DetectedFilesystem(device, "unknown", "", "", null, e.getMessage());
            }
        }
        Content content = ContentProbe.identify(dev);
        if (content == null) {
            return new DetectedFilesystem(device, "unknown", "", "", null);
        }
        if (content.isContainer()) {
            return null;
        }
        if (content.needsDriver()) {
            warnings.add(device.name() + ": holds " + content.type() + ", but no " + content.type()
                    + " driver is on the class path");
            return new DetectedFilesystem(device, "unknown", "", "", null);
        }
        return new DetectedFilesystem(device, content.type(), content.label(), content.uuid(), null);
    }

    public GuestDevice device() {
        return device;
    }

    /** libguestfs's name for the device holding it. */
    public String name() {
        return device.name();
    }

    /** "ext4", "xfs", "swap", "vfat", "unknown" ... */
    public String type() {
        return type;
    }

    public String label() {
        return label;
    }

    public String uuid() {
        return uuid;
    }

    /** True when Platter can read it (a driver opened it). */
    public boolean isMountable() {
        return fs != null;
    }

    /** The opened filesystem; fails for filesystems Platter cannot read. */
    public GuestFileSystem fileSystem() throws IOException {
        if (fs == null && openFailure != null) {
            // Say why, in the error itself: the warning naming it may be far above, or not shown.
            throw new IOException(device.name() + ": cannot be read: " + openFailure);
        }
        if (fs == null) {
            throw new IOException(device.name() + ": cannot mount a " + type + " filesystem");
        }
        return fs;
    }

    /**
     * What statvfs reports for it mounted read-only: from its driver, or computed from the boot sector and FAT for
     * vfat; null for anything else Platter cannot read.
     */
    public StatFs statfs() throws IOException {
        if (fs != null) {
            return fs.statfs();
        }
        if (type.equals("vfat")) {
            BlockDevice dev = device.device();
            return FatBootSector.read(dev).statfs(dev);
        }
        return null;
    }

    /**
     * virt-filesystems' size: the mounted filesystem's blocks × block size, or the device size when it cannot be
     * mounted.
     */
    public long size() throws IOException {
        StatFs s;
        try {
            s = statfs();
        } catch (IOException e) {
            s = null;
        }
        return s == null ? device.size() : s.blocks() * s.blockSize();
    }

    void close() throws IOException {
        if (fs != null) {
            fs.close();
        }
    }

    @Override
    public String toString() {
        return device.name() + " (" + type + ")";
    }
}
