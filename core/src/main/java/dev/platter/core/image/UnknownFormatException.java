package dev.platter.core.image;

import java.io.IOException;

/** A format name that no installed format answers to, or content no format recognises. */
public class UnknownFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    public UnknownFormatException(String name) {
        super("Unknown format '" + name + "'");
    }

    public UnknownFormatException(String name, String message) {
        super(message);
    }
}
