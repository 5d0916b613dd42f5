package dev.platter.format.vhdx;

import dev.platter.core.image.CreateOptions;
import dev.platter.core.testing.ImageFormatContract;
import org.junit.jupiter.api.Nested;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * vhdx keeps the image format contract in both subformats, with and without ZERO blocks, with 1 MiB blocks, and with
 * 4096-byte logical sectors (created through the package's own door: qemu-img creates only 512-byte ones). vhdx
 * takes no backing file (differencing disks are refused), which the contract checks too.
 */
class VhdxContractTest extends ImageFormatContract {
    @Override
    protected String formatName() {
        return "vhdx";
    }

    /** vhdx created with other options. */
    abstract class Subformat extends ImageFormatContract {
        @Override
        protected String formatName() {
            return "vhdx";
        }
    }

    @Nested
    class Fixed extends Subformat {
        @Override
        protected Map<String, String> createOptions() {
            return Map.of("subformat", "fixed");
        }
    }

    @Nested
    class FixedPreallocated extends Subformat {
        @Override
        protected Map<String, String> createOptions() {
            return Map.of("subformat", "fixed", "block_state_zero", "off");
        }
    }

    @Nested
    class DynamicNotPresent extends Subformat {
        @Override
        protected Map<String, String> createOptions() {
            return Map.of("block_state_zero", "off", "block_size", "1M");
        }
    }

    /** 4096-byte logical sectors; the contract's size is a multiple of 512 only, which Platter keeps as it is. */
    @Nested
    class FourKiBSectors extends Subformat {
        @Override
        protected Map<String, String> createOptions() {
            return Map.of("block_size", "1M");
        }

        @Override
        protected Path create(String name, long size) throws IOException {
            Path p = dir.resolve(name);
            VhdxCreator.create(p, VhdxCreateOptions.parse(size, CreateOptions.of(createOptions())), 4096);
            return p;
        }
    }
}
