package dev.platter.core.image;

import java.io.IOException;

/** An image file could not be opened; the message reads "Could not open 'NAME': why" as qemu-img's does. */
public class ImageOpenException extends IOException {
    private static final long serialVersionUID = 1L;

    public ImageOpenException(String name, String why, Throwable cause) {
        super("Could not open '" + name + "': " + why, cause);
    }
}
