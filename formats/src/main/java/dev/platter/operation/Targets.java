package dev.platter.operation;

import dev.platter.core.image.Image;
import dev.platter.format.qcow2.Qcow2Image;

/** Wraps an opened target image in what the conversion writes through. */
final class Targets {
    private Targets() {
    }

    static ConvertTarget of(Image image, boolean orderIndependent) {
        if (image instanceof Qcow2Image q) {
            return new Qcow2Target(q);
        }
        return new ImageTarget(image, orderIndependent);
    }

    /** The image behind a target. */
    static Image imageOf(ConvertTarget target) {
        if (target instanceof Qcow2Target q) {
            return q.image();
        }
        return ((ImageTarget) target).image();
    }
}
