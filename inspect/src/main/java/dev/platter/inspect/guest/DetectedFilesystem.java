package dev.platter.inspect.guest;

import dev.platter.core.BlockDevice;
import dev.platter.inspect.fs.FileSystemDriver;
import dev.platter.inspect.fs.FsOptions;
import dev.platter.inspect.fs.GuestFileSystem;
import dev.platter.inspect.fs.StatFs;
import dev.platter.inspect.fs.WritableFileSystem;

import dev.platter.inspect.volume.Content;
import dev.platter.inspect.volume.ContentProbe;
import dev.platter.inspect.volume.FatBootSector;

import java.io.IOException;

/**
 * A filesystem detected on a guest device, identified as blkid would (type, label, UUID). Filesystems Platter reads
 * (ext2/3/4, XFS) carry their opened {@link GuestFileSystem} (a driver's reader of that filesystem's inodes); others
 * (swap, vfat, ntfs, "unknown") are listed only.
 *
 * <p>In a writable guest, a filesystem is reopened through its driver's
 * {@link FileSystemDriver#openWritable writer} when it is first asked for ({@link #writableFileSystem()}, which
 * {@link Mounts#mount} does for everything it mounts): the reader opened to identify it is closed, and from then on
 * reads go through the writer too, so they see every write. A driver that cannot write it (XFS, a feature the writer
 * refuses ...) leaves it readable, and {@link #writableFileSystem()} names the reason. Filesystems that are never
 * mounted are never opened for writing, so nothing is written to them.
 */
public final class DetectedFilesystem {
    private final GuestDevice device;
    private final String type;
    private final String label;
    private final String uuid;
    private GuestFileSystem fs;
    /** Why its driver could not open it (a journal that cannot be replayed, corruption ...), or null. */
    private String openFailure;
    /** The driver that opened it and how, for reopening it to write; null for what no driver reads. */
    private final FileSystemDriver driver;
    private final FsOptions options;
    /** True in a writable guest. */
    private final boolean guestWritable;
    /** The writer, once {@link #writableFileSystem()} opened one (then also {@link #fs}). */
    private WritableFileSystem writer;
    /** Why it cannot be written, once that was tried and failed; null otherwise. */
    private String writeFailure;

    DetectedFilesystem(GuestDevice device, String type, String label, String uuid, GuestFileSystem fs) {
        this(device, type, label, uuid, fs, null, null, null, false);
    }

    private DetectedFilesystem(GuestDevice device, String type, String label, String uuid, GuestFileSystem fs,
                               String openFailure, FileSystemDriver driver, FsOptions options,
                               boolean guestWritable) {
        this.device = device;
        this.type = type;
        this.label = label;
        this.uuid = uuid;
        this.fs = fs;
        this.openFailure = openFailure;
        this.driver = driver;
        this.options = options;
        this.guestWritable = guestWritable;
    }

    /** Identifies what {@code device} holds, or returns null for containers (PVs, RAID members, LUKS). */
    static DetectedFilesystem identify(GuestDevice device, FsOptions options, java.util.List<String> warnings)
            throws IOException {
        return identify(device, options, false, warnings);
    }

    /**
     * Identifies what {@code device} holds, or returns null for containers; in a writable guest ({@code writable})
     * the filesystem can later be reopened for writing.
     */
    static DetectedFilesystem identify(GuestDevice device, FsOptions options, boolean writable,
                                       java.util.List<String> warnings) throws IOException {
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
                return new DetectedFilesystem(device, fs.type(), fs.label(), fs.uuid(), fs, null, driver, options,
                        writable);
            } catch (IOException e) {
                warnings.add(device.name() + ": " + e.getMessage());
                return new DetectedFilesystem(device, "unknown", "", "", null, e.getMessage(), null, null, false);
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
    public synchronized boolean isMountable() {
        return fs != null;
    }

    /** The opened filesystem (the writer, once it was opened for writing); fails for what Platter cannot read. */
    public synchronized GuestFileSystem fileSystem() throws IOException {
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
     * The filesystem opened for writing: on first call in a writable guest, the reader is replaced by the driver's
     * writer (reads go through it from then on). Fails, naming the reason, when the guest is read-only, when no
     * driver reads it, or when its driver cannot write it ({@code /dev/sda1: cannot write this xfs filesystem:
     * ...}); it then stays readable.
     */
    public synchronized WritableFileSystem writableFileSystem() throws IOException {
        if (writer != null) {
            return writer;
        }
        if (!guestWritable) {
            throw new IOException(device.name() + ": the guest was opened read-only");
        }
        GuestFileSystem reader = fileSystem();
        if (writeFailure != null) {
            throw new IOException(device.name() + ": cannot write this " + type + " filesystem: " + writeFailure);
        }
        if (device.device().isReadOnly()) {
            writeFailure = "its device is read-only (see the warnings: a LUKS volume Platter can only read?)";
            throw new IOException(device.name() + ": cannot write this " + type + " filesystem: " + writeFailure);
        }
        try {
            writer = driver.openWritable(device.device(), options);
        } catch (IOException e) {
            writeFailure = e.getMessage();
            // The writer may have read (or, on its way to refusing, written) the device: reopen the reader so that
            // nothing cached before stays in use.
            reader.close();
            try {
                fs = driver.open(device.device(), options);
            } catch (IOException reopen) {
                fs = null;
                openFailure = reopen.getMessage();
            }
            throw new IOException(device.name() + ": cannot write this " + type + " filesystem: " + writeFailure, e);
        }
        GuestFileSystem old = fs;
        fs = writer;
        old.close();
        return writer;
    }

    /** True once {@link #writableFileSystem()} opened it for writing. */
    public synchronized boolean isOpenForWriting() {
        return writer != null;
    }

    /**
     * What statvfs reports for it mounted read-only: from its driver, or computed from the boot sector and FAT for
     * vfat; null for anything else Platter cannot read.
     */
    public synchronized StatFs statfs() throws IOException {
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

    /** Closes it; a writer commits first. */
    synchronized void close() throws IOException {
        if (fs != null) {
            GuestFileSystem f = fs;
            fs = null;
            openFailure = "closed";
            f.close();
        }
    }

    @Override
    public String toString() {
        return device.name() + " (" + type + ")";
    }
}
