package dev.platter.inspect.fs;

/**
 * How to open a filesystem.
 *
 * @param verifyChecksums check metadata checksums where the format has them
 * @param readOnMismatch  on a checksum mismatch, record a warning and read on instead of failing
 * @param replayJournal   when the journal (ext3/4) or log (XFS) holds committed changes not yet written in place,
 *                        replay them in memory, as the kernel does when it mounts (the default; the image is never
 *                        written); false shows the on-disk state, as {@code mount -o norecovery} does
 * @param replayInPlace   for a filesystem opened for writing: replay a journal that needs recovery onto the device
 *                        first, as e2fsck does (without it, such a filesystem is refused for writing)
 */
public record FsOptions(boolean verifyChecksums, boolean readOnMismatch, boolean replayJournal,
                        boolean replayInPlace) {

    public FsOptions(boolean verifyChecksums, boolean readOnMismatch, boolean replayJournal) {
        this(verifyChecksums, readOnMismatch, replayJournal, false);
    }

    public FsOptions(boolean verifyChecksums, boolean readOnMismatch) {
        this(verifyChecksums, readOnMismatch, true);
    }

    public static FsOptions defaults() {
        return new FsOptions(true, false, true, false);
    }

    public FsOptions withReplayJournal(boolean value) {
        return new FsOptions(verifyChecksums, readOnMismatch, value, replayInPlace);
    }

    public FsOptions withReplayInPlace(boolean value) {
        return new FsOptions(verifyChecksums, readOnMismatch, replayJournal, value);
    }
}
