package dev.platter.inspect.fs;

/**
 * How to open a filesystem.
 *
 * @param verifyChecksums check metadata checksums where the format has them
 * @param readOnMismatch  on a checksum mismatch, record a warning and read on instead of failing
 */
public record FsOptions(boolean verifyChecksums, boolean readOnMismatch) {

    public static FsOptions defaults() {
        return new FsOptions(true, false);
    }
}
