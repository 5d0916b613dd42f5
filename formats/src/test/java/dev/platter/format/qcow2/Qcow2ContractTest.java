package dev.platter.format.qcow2;

import dev.platter.core.testing.ImageFormatContract;
import org.junit.jupiter.api.Nested;

import java.util.Map;

/** qcow2 keeps the image format contract, with the defaults and with the layouts whose code paths differ. */
class Qcow2ContractTest extends ImageFormatContract {
    @Override
    protected String formatName() {
        return "qcow2";
    }

    /** qcow2 created with other options. */
    abstract class Layout extends ImageFormatContract {
        @Override
        protected String formatName() {
            return "qcow2";
        }
    }

    @Nested
    class Version2 extends Layout {
        @Override
        protected Map<String, String> createOptions() {
            return Map.of("compat", "0.10", "cluster_size", "4096");
        }
    }

    @Nested
    class ExtendedL2 extends Layout {
        @Override
        protected Map<String, String> createOptions() {
            return Map.of("extended_l2", "on", "cluster_size", "16384", "refcount_bits", "1");
        }
    }

    @Nested
    class ExternalDataFile extends Layout {
        @Override
        protected Map<String, String> createOptions() {
            return Map.of("data_file", dir.resolve("data.bin").toString());
        }
    }

    @Nested
    class EncryptedWithLuks extends Layout {
        private final byte[] key = "contract key".getBytes(java.nio.charset.StandardCharsets.UTF_8);

        @Override
        protected Map<String, String> createOptions() {
            return Map.of("encrypt.format", "luks", "encrypt.key-secret", "k", "encrypt.iter-time", "1",
                    "cluster_size", "4096");
        }

        @Override
        protected dev.platter.core.crypto.Secrets secrets() {
            return dev.platter.core.crypto.Secrets.none().add("k", dev.platter.core.crypto.Secret.of(key));
        }

        @Override
        protected dev.platter.core.image.ImageKeys keys() {
            return dev.platter.core.image.ImageKeys.byLayer(java.util.List.of(
                    dev.platter.core.crypto.Secret.of(key)));
        }
    }
}
