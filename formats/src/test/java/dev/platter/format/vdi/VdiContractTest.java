package dev.platter.format.vdi;

import dev.platter.core.testing.ImageFormatContract;
import org.junit.jupiter.api.Nested;

import java.util.Map;

/** vdi keeps the image format contract, dynamic and static (it has no backing files, so no overlay test). */
class VdiContractTest extends ImageFormatContract {
    @Override
    protected String formatName() {
        return "vdi";
    }

    @Nested
    class Static extends ImageFormatContract {
        @Override
        protected String formatName() {
            return "vdi";
        }

        @Override
        protected Map<String, String> createOptions() {
            return Map.of("static", "on");
        }
    }
}
