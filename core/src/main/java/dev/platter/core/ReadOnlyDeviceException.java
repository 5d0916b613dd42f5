package dev.platter.core;

import java.io.IOException;

/** A write was attempted on a device opened read-only. */
public class ReadOnlyDeviceException extends IOException {
    private static final long serialVersionUID = 1L;

    public ReadOnlyDeviceException(String what) {
        super(what + " is read-only");
    }
}
