package dev.platter.inspect.lvm;

/**
 * A {@code disk_locn} of the PV header: a byte range of the PV.
 *
 * @param offset bytes from the start of the PV
 * @param size   bytes, 0 meaning "to the end of the device" for a data area
 */
public record DiskArea(long offset, long size) {
}
