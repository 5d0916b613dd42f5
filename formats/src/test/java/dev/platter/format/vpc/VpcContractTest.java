package dev.platter.format.vpc;

import dev.platter.core.testing.ImageFormatContract;
import org.junit.jupiter.api.Nested;

import java.util.Map;

/**
 * vpc keeps the image format contract as a dynamic and as a fixed disk. Both with force_size=on: the contract's
 * size is exact, which CHS geometry would round up. No overlays: qemu cannot create differencing VHDs, nor can
 * Platter ({@code VpcDifferencingTest} reads them).
 */
class VpcContractTest {
    abstract static class Vpc extends ImageFormatContract {
        @Override
        protected String formatName() {
            return "vpc";
        }
    }

    @Nested
    class Dynamic extends Vpc {
        @Override
        protected Map<String, String> createOptions() {
            return Map.of("force_size", "on");
        }
    }

    @Nested
    class Fixed extends Vpc {
        @Override
        protected Map<String, String> createOptions() {
            return Map.of("subformat", "fixed", "force_size", "on");
        }

        /** Nothing at its start says VHD: qemu 7.2 probes it as raw, and so does Platter. */
        @Override
        protected String probedAs() {
            return "raw";
        }
    }
}
