package dev.platter.core;

import java.io.EOFException;

/** Range checks shared by every device, so that each layer reports bad ranges the same way. */
public final class Bounds {
    private Bounds() {
    }

    /** Checks that [pos, pos+len) lies inside a device of {@code size} bytes. */
    public static void check(long pos, long len, long size, String what) throws EOFException {
        if (pos < 0 || len < 0) {
            throw new IllegalArgumentException("negative offset or length (" + pos + ", " + len + ") on " + what);
        }
        if (pos > size || len > size - pos) {
            throw new EOFException("range " + pos + "+" + len + " is past the end (" + size + " bytes) of " + what);
        }
    }

    /** Checks the position handed to {@link BlockDevice#mapping}. */
    public static void checkMapping(long pos, long maxLen, long size, String what) throws EOFException {
        if (pos < 0 || maxLen <= 0) {
            throw new IllegalArgumentException("bad mapping request (" + pos + ", " + maxLen + ") on " + what);
        }
        if (pos >= size) {
            throw new EOFException("mapping at " + pos + " is past the end (" + size + " bytes) of " + what);
        }
    }
}
