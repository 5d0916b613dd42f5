package dev.platter.inspect.fs;

import dev.platter.core.BlockDevice;
import dev.platter.core.UnsupportedFeatureException;

import java.io.IOException;

/**
 * A filesystem implementation, found through {@link java.util.ServiceLoader}
 * (META-INF/services/dev.platter.inspect.fs.FileSystemDriver), so that the guest inspector finds every filesystem
 * type without knowing them.
 */
public interface FileSystemDriver {

    /** The family name ("ext", "xfs"). */
    String name();

    /** True when the device starts with this filesystem's superblock (magic and basic sanity only). */
    boolean probe(BlockDevice device) throws IOException;

    /** Opens the filesystem read-only. The device stays owned by the caller. */
    GuestFileSystem open(BlockDevice device, FsOptions options) throws IOException;

    /**
     * Opens the filesystem for writing on a writable device. Refuses, naming the reason, what this driver cannot
     * write safely (the whole filesystem type, a feature, a journal that needs recovery ...).
     */
    default WritableFileSystem openWritable(BlockDevice device, FsOptions options) throws IOException {
        throw new UnsupportedFeatureException(name() + " writing",
                "writing into " + name() + " filesystems is not supported (Platter reads them only)");
    }
}
