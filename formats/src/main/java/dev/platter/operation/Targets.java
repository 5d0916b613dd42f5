package dev.platter.operation;

import dev.platter.core.image.Image;

/** Wraps an opened target image in what the conversion writes through. */
final class Targets {
    private Targets() {
    }

    static ConvertTarget of(Image image, boolean orderIndependent, boolean compress) {
        return new ImageTarget(image, orderIndependent);
    }
}
