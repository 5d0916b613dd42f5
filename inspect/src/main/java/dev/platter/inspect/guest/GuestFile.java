package dev.platter.inspect.guest;

import dev.platter.inspect.fs.FileStat;
import dev.platter.inspect.fs.FileType;
import dev.platter.inspect.fs.GuestFileSystem;

import java.nio.charset.StandardCharsets;

/**
 * A file found in the mounted guest: where it is (the canonical path, symlinks resolved), which mounted filesystem
 * holds it, its inode and its attributes.
 *
 * @param path  the canonical path as bytes ("/" for the root)
 * @param mount the mounted filesystem that holds it
 * @param inode its inode number in that filesystem
 * @param stat  its attributes
 */
public record GuestFile(byte[] path, Mounts.Mounted mount, long inode, FileStat stat) {

    public GuestFileSystem fs() {
        return mount.fileSystem();
    }

    public FileType type() {
        return stat.type();
    }

    public boolean isDirectory() {
        return stat.type() == FileType.DIRECTORY;
    }

    /** The path for display: UTF-8, invalid bytes replaced. */
    public String pathString() {
        return new String(path, StandardCharsets.UTF_8);
    }
}
