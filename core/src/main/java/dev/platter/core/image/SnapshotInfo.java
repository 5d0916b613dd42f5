package dev.platter.core.image;

/**
 * One internal snapshot, as {@code info} and {@code snapshot -l} list it.
 *
 * @param icount instruction count, or -1 when the image does not record it
 */
public record SnapshotInfo(String id, String name, long vmStateSize, long dateSec, long dateNsec,
                           long vmClockNsec, long icount) {
}
