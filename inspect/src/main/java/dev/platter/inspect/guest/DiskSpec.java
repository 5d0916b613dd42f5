package dev.platter.inspect.guest;

import java.nio.file.Path;

/**
 * One disk to attach, as {@code -a} names it.
 *
 * @param path   the image file
 * @param format the pinned image format ("raw", "qcow2" ...), or null to probe (probing is for trusted input)
 */
public record DiskSpec(Path path, String format) {
}
