package dev.platter.inspect.fs;

import dev.platter.core.BlockDevice;

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
}
