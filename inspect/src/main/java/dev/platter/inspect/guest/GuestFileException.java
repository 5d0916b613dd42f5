package dev.platter.inspect.guest;

import java.io.IOException;

/** A path in the guest could not be used: "PATH: No such file or directory", with the {@link Errno}. */
public final class GuestFileException extends IOException {
    private static final long serialVersionUID = 1L;

    private final Errno errno;
    private final String path;

    public GuestFileException(String path, Errno errno) {
        super(path + ": " + errno.message());
        this.errno = errno;
        this.path = path;
    }

    public Errno errno() {
        return errno;
    }

    public String path() {
        return path;
    }
}
