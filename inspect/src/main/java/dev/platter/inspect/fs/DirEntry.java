package dev.platter.inspect.fs;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One name in a directory. Names are bytes in the guest; {@link #name()} decodes them as UTF-8 for display
 * (invalid sequences become U+FFFD), and {@link #rawName()} keeps them exact.
 *
 * @param rawName the name's bytes, never containing '/' or NUL in a sane filesystem (callers must check)
 * @param inode   the inode the name points at
 * @param type    the type recorded in the entry (file-type feature), or null when the directory does not record it
 */
public record DirEntry(byte[] rawName, long inode, FileType type) {

    public String name() {
        return new String(rawName, StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DirEntry d && Arrays.equals(rawName, d.rawName) && inode == d.inode && type == d.type;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(rawName) * 31 + Long.hashCode(inode);
    }

    @Override
    public String toString() {
        return name() + " -> " + inode + (type == null ? "" : " (" + type + ")");
    }
}
