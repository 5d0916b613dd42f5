package dev.platter.inspect.xfs;

import dev.platter.core.CorruptImageException;

/** A v5 metadata CRC does not match and the options say to stop: never downgraded to a warning by readers. */
final class ChecksumMismatchException extends CorruptImageException {
    private static final long serialVersionUID = 1L;

    ChecksumMismatchException(String structure, long offset, String problem) {
        super(structure, offset, problem);
    }
}
