package dev.platter.core.storage;

import java.io.IOException;

/**
 * Another open of the file (another process, or another open in this one) holds a permission this open needs, or
 * needs one this open does not share. The message is qemu's ({@code Failed to get "write" lock}); {@link #hint} is
 * the line qemu prints after it.
 */
public class ImageLockedException extends IOException {
    private static final long serialVersionUID = 1L;
    private final String name;

    public ImageLockedException(String name, String message) {
        super(message);
        this.name = name;
    }

    /** {@code Is another process using the image [NAME]?} */
    public String hint() {
        return "Is another process using the image [" + name + "]?";
    }
}
