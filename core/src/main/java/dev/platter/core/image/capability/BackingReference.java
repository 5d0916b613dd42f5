package dev.platter.core.image.capability;

import java.io.IOException;

/** A backing-file reference that can be rewritten ({@code qemu-img rebase}). */
public interface BackingReference {

    /** Points the image at {@code name} of {@code format}; null removes the reference. Copies no data. */
    void setBackingFile(String name, String format) throws IOException;
}
