package dev.platter.operation;

import dev.platter.core.image.ImageKeys;
import dev.platter.core.image.ReferenceResolver;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What {@code measure} sizes: either a virtual size ({@code --size}) or an existing image converted to the target
 * format.
 *
 * @param targetFormat  the format to measure for ({@code -O}, default raw)
 * @param createOptions {@code -o}: creation options of the target
 * @param size          the virtual size, or -1 to measure {@code source}
 * @param source        the image to measure, or null with {@code size}
 * @param sourceName    its name as typed
 * @param sourceFormat  its format, or null to probe
 * @param snapshot      {@code -l}: measure this internal snapshot instead of the active state, or null
 * @param resolver      gate for the files the source refers to (null: the default)
 * @param forceShare    {@code -U}: open the source sharing everything with other users (qemu's locks)
 * @param sourceKeys    the passphrases of the source's encrypted layers (null: none)
 */
public record MeasureOptions(String targetFormat, Map<String, String> createOptions, long size, Path source,
                             String sourceName, String sourceFormat, String snapshot, ReferenceResolver resolver,
                             boolean forceShare, ImageKeys sourceKeys) {

    public MeasureOptions {
        createOptions = Map.copyOf(new LinkedHashMap<>(createOptions));
        sourceKeys = sourceKeys == null ? ImageKeys.none() : sourceKeys;
    }

    public MeasureOptions(String targetFormat, Map<String, String> createOptions, long size, Path source,
                          String sourceName, String sourceFormat, String snapshot, ReferenceResolver resolver,
                          boolean forceShare) {
        this(targetFormat, createOptions, size, source, sourceName, sourceFormat, snapshot, resolver, forceShare,
                null);
    }

    public static MeasureOptions ofSize(String targetFormat, Map<String, String> createOptions, long size) {
        return new MeasureOptions(targetFormat, createOptions, size, null, null, null, null, null, false);
    }

    public static MeasureOptions ofImage(String targetFormat, Map<String, String> createOptions, Path source,
                                         String sourceFormat) {
        return new MeasureOptions(targetFormat, createOptions, -1, source, source.toString(), sourceFormat, null,
                null, false);
    }
}
