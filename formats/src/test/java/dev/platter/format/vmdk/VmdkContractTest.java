package dev.platter.format.vmdk;

import dev.platter.core.testing.ImageFormatContract;
import org.junit.jupiter.api.Nested;

import java.util.Map;

/**
 * vmdk keeps the image format contract in every subformat that takes arbitrary writes. streamOptimized does not
 * (its grains are written whole and once, as qemu's are): {@code VmdkWriteTest} covers it. Overlays are vmdk on
 * vmdk, the only parent qemu accepts.
 */
class VmdkContractTest extends ImageFormatContract {
    @Override
    protected String formatName() {
        return "vmdk";
    }

    @Override
    protected String backingFormat() {
        return "vmdk";
    }

    /** vmdk created with other options. */
    abstract class Subformat extends ImageFormatContract {
        @Override
        protected String formatName() {
            return "vmdk";
        }

        @Override
        protected String backingFormat() {
            return "vmdk";
        }
    }

    @Nested
    class ZeroedGrain extends Subformat {
        @Override
        protected Map<String, String> createOptions() {
            return Map.of("zeroed_grain", "on");
        }
    }

    @Nested
    class MonolithicFlat extends Subformat {
        @Override
        protected Map<String, String> createOptions() {
            return Map.of("subformat", "monolithicFlat");
        }

        @Override
        protected boolean takesBackingFile() {
            return false;
        }
    }

    @Nested
    class TwoGbMaxExtentSparse extends Subformat {
        @Override
        protected Map<String, String> createOptions() {
            return Map.of("subformat", "twoGbMaxExtentSparse");
        }
    }

    @Nested
    class TwoGbMaxExtentFlat extends Subformat {
        @Override
        protected Map<String, String> createOptions() {
            return Map.of("subformat", "twoGbMaxExtentFlat");
        }

        @Override
        protected boolean takesBackingFile() {
            return false;
        }
    }
}
