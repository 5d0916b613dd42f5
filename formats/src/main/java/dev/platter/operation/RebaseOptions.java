package dev.platter.operation;

import dev.platter.core.image.ImageKeys;
import dev.platter.core.image.ReferenceResolver;

import java.nio.file.Path;

/**
 * What {@code rebase} does.
 *
 * @param image         the image whose backing file changes
 * @param imageName     its name as typed
 * @param format        its format, or null to probe
 * @param backingFile   the new backing file as it is to be stored (relative to the image's folder), or null or
 *                      "" to make the image stand alone
 * @param backingFormat the new backing file's format (required with a backing file)
 * @param unsafe        {@code -u}: only rewrite the reference; the content is assumed to be the same
 * @param resolver      gate for the files the image refers to (null: the default)
 * @param forceShare    {@code -U}: the backing files are read sharing everything with other users (qemu's locks)
 * @param keys          the passphrases of the image's encrypted layers, its old backing chain's included (null:
 *                      none); the new backing file is opened without keys, as qemu-img opens it
 */
public record RebaseOptions(Path image, String imageName, String format, String backingFile, String backingFormat,
                            boolean unsafe, ReferenceResolver resolver, boolean forceShare, ImageKeys keys) {

    public RebaseOptions {
        keys = keys == null ? ImageKeys.none() : keys;
    }

    public RebaseOptions(Path image, String imageName, String format, String backingFile, String backingFormat,
                         boolean unsafe, ReferenceResolver resolver, boolean forceShare) {
        this(image, imageName, format, backingFile, backingFormat, unsafe, resolver, forceShare, null);
    }

    /** True when the image is to stand alone. */
    public boolean flatten() {
        return backingFile == null || backingFile.isEmpty();
    }
}
