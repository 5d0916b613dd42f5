package dev.platter.operation;

import dev.platter.core.image.Image;
import dev.platter.format.qcow2.Qcow2Image;

/** Wraps an opened target image in what the conversion writes through. */
final class Targets {
    private Targets() {
    }

    /**
     * @param unsafeCache no flushes until the image is closed, as qemu-img convert writes its target (cache=unsafe);
     *                    false keeps the format's ordered metadata flushes (an image being modified in place)
     */
    static ConvertTarget of(Image image, boolean unsafeCache) {
        if (image instanceof Qcow2Image q) {
            return new Qcow2Target(q, unsafeCache);
        }
        return new ImageTarget(image);
    }

    /** The image behind a target. */
    static Image imageOf(ConvertTarget target) {
        return ((ImageTarget) target).image();
    }
}
