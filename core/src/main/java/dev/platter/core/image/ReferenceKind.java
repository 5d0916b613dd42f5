package dev.platter.core.image;

/** Why an image refers to another file. */
public enum ReferenceKind {
    BACKING_FILE,
    DATA_FILE,
    EXTENT
}
