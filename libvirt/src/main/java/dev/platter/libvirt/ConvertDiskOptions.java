package dev.platter.libvirt;

import java.nio.file.Path;
import java.util.Map;

/**
 * What {@code convert-disk} does to which disk.
 *
 * @param domain        the domain, by name or UUID
 * @param target        the disk's target ({@code vda}), or null for the domain's first disk-device disk
 * @param format        the new format ({@code -O}, e.g. qcow2)
 * @param compress      {@code -c}: compressed clusters
 * @param createOptions {@code -o}: creation options of the new image
 * @param output        the new image's path, or null for the old path with the format as its extension
 * @param removeSource  delete the old image once the domain uses the new one
 */
public record ConvertDiskOptions(String domain, String target, String format, boolean compress,
                                 Map<String, String> createOptions, Path output, boolean removeSource) {
    public ConvertDiskOptions {
        createOptions = Map.copyOf(createOptions);
    }
}
