package dev.platter.operation;

import dev.platter.core.image.ImageKeys;
import dev.platter.core.image.ReferenceResolver;

import java.nio.file.Path;

/**
 * What {@code commit} does.
 *
 * @param image     the image whose changes are committed
 * @param imageName its name as typed
 * @param format    its format, or null to probe
 * @param base      {@code -b}: the backing-chain member to commit into (its name as stored, or a path), or null
 *                  for the image's immediate backing file; giving one implies {@code keep}
 * @param keep      {@code -d}: leave the image as it is (otherwise it is emptied, so it reads as its backing file)
 * @param resolver  gate for the files the image refers to (null: the default)
 * @param keys      the passphrases of the chain's encrypted layers, from the image down (null: none)
 */
public record CommitOptions(Path image, String imageName, String format, String base, boolean keep,
                            ReferenceResolver resolver, ImageKeys keys) {

    public CommitOptions {
        keys = keys == null ? ImageKeys.none() : keys;
    }

    public CommitOptions(Path image, String imageName, String format, String base, boolean keep,
                         ReferenceResolver resolver) {
        this(image, imageName, format, base, keep, resolver, null);
    }
}
