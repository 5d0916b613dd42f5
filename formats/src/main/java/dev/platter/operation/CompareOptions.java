package dev.platter.operation;

import dev.platter.core.image.ImageKeys;
import dev.platter.core.image.ReferenceResolver;

import java.nio.file.Path;

/**
 * What {@code compare} compares.
 *
 * @param first        the first image
 * @param firstName    its name as typed
 * @param firstFormat  its format, or null to probe
 * @param second       the second image
 * @param secondName   its name as typed
 * @param secondFormat its format, or null to probe
 * @param strict       {@code -s}: different sizes or different allocation at the same offset also count as a
 *                     difference
 * @param resolver     gate for the files the images refer to (null: the default)
 * @param forceShare   {@code -U}: open both sharing everything with other users (qemu's locks)
 * @param firstKeys    the passphrases of the first image's encrypted layers (null: none)
 * @param secondKeys   those of the second image (null: none)
 */
public record CompareOptions(Path first, String firstName, String firstFormat, Path second, String secondName,
                             String secondFormat, boolean strict, ReferenceResolver resolver,
                             boolean forceShare, ImageKeys firstKeys, ImageKeys secondKeys) {

    public CompareOptions {
        firstKeys = firstKeys == null ? ImageKeys.none() : firstKeys;
        secondKeys = secondKeys == null ? ImageKeys.none() : secondKeys;
    }

    public CompareOptions(Path first, String firstName, String firstFormat, Path second, String secondName,
                          String secondFormat, boolean strict, ReferenceResolver resolver, boolean forceShare) {
        this(first, firstName, firstFormat, second, secondName, secondFormat, strict, resolver, forceShare, null, null);
    }

    public static CompareOptions of(Path first, Path second) {
        return new CompareOptions(first, first.toString(), null, second, second.toString(), null, false, null, false);
    }
}
