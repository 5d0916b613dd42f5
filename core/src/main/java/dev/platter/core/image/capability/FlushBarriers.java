package dev.platter.core.image.capability;

/**
 * Ordered metadata writes with fsync barriers between them, which a bulk writer may turn off (qemu's
 * {@code cache=unsafe}, as {@code qemu-img convert} writes its target): the image is then consistent only after a
 * clean close.
 */
public interface FlushBarriers {

    /** On by default; off until turned on again or the image is closed. */
    void setFlushBarriers(boolean on);
}
