package dev.platter.core.image;

import java.util.List;
import java.util.Map;

/**
 * What {@code info} reports about one image layer; fields mirror qemu-img's ImageInfo. Optional fields are null
 * when absent; {@code dirty} is null when qemu's bdrv_get_info fails for the image (a VMDK whose extents differ in
 * kind), and qemu-img then prints no dirty flag. {@code formatSpecific} holds nested maps, lists, strings, numbers
 * and booleans in the order the format defines them.
 */
public record ImageInfo(
        String filename,
        String format,
        long virtualSize,
        Long clusterSize,
        Long actualSize,
        boolean encrypted,
        String backingFilename,
        String fullBackingFilename,
        String backingFormat,
        List<SnapshotInfo> snapshots,
        String formatSpecificType,
        Map<String, Object> formatSpecific,
        Boolean dirty) {

    public ImageInfo {
        snapshots = snapshots == null ? List.of() : List.copyOf(snapshots);
    }

    /** The minimum: a layer with no clusters, backing, snapshots or format-specific data. */
    public static ImageInfo basic(String filename, String format, long virtualSize, Long actualSize) {
        return new ImageInfo(filename, format, virtualSize, null, actualSize, false, null, null, null,
                List.of(), null, null, false);
    }
}
