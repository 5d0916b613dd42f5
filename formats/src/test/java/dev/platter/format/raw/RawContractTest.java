package dev.platter.format.raw;

import dev.platter.core.testing.ImageFormatContract;

/** raw keeps the image format contract. */
class RawContractTest extends ImageFormatContract {
    @Override
    protected String formatName() {
        return "raw";
    }
}
