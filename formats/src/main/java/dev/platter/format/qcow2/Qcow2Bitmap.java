package dev.platter.format.qcow2;

/**
 * A persistent dirty bitmap of a qcow2 image, as {@code info} lists it.
 *
 * @param name        the bitmap's name
 * @param granularity bytes of the disk one bit covers
 * @param inUse       not saved cleanly: its content cannot be trusted (incremental backup must copy everything)
 * @param enabled     the "auto" flag: every write to the disk is recorded in it
 */
public record Qcow2Bitmap(String name, long granularity, boolean inUse, boolean enabled) {
}
