package dev.platter.operation;

import java.io.IOException;

/** {@code compare} could not finish; carries qemu-img's exit status for the kind of failure. */
public final class CompareException extends IOException {
    private static final long serialVersionUID = 1L;

    /** An image could not be opened. */
    public static final int OPEN_FAILED = 2;
    /** The allocation map could not be read. */
    public static final int STATUS_FAILED = 3;
    /** Data could not be read. */
    public static final int READ_FAILED = 4;

    private final int exitCode;

    public CompareException(int exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }
}
