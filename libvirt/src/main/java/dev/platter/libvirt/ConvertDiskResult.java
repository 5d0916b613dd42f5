package dev.platter.libvirt;

import java.nio.file.Path;

/**
 * What {@code convert-disk} did.
 *
 * @param domain        the domain's name
 * @param target        the disk's target
 * @param oldPath       the image the domain used
 * @param oldFormat     its declared format
 * @param newPath       the image it uses now
 * @param newFormat     its format
 * @param sourceRemoved whether the old image was deleted
 */
public record ConvertDiskResult(String domain, String target, Path oldPath, String oldFormat, Path newPath,
                                String newFormat, boolean sourceRemoved) {
}
