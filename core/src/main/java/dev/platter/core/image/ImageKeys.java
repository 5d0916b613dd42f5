package dev.platter.core.image;

import dev.platter.core.crypto.Secret;

import java.nio.file.Path;
import java.util.List;

/**
 * The keys of encrypted images, layer by layer: an encrypted image and each encrypted image in its backing chain has
 * its own passphrase (qemu's {@code encrypt.key-secret}, {@code backing.encrypt.key-secret}, ...). An image opened
 * without its key still answers {@code info}; reading or writing its data fails, naming the missing key.
 */
@FunctionalInterface
public interface ImageKeys {

    /**
     * The passphrase of the image at {@code path}, {@code depth} layers below the image opened (0: that image), or
     * null when none is given.
     */
    Secret keyFor(int depth, Path path);

    /**
     * True when the caller only reads metadata (qemu-img info, which opens without I/O): an encrypted layer then
     * opens without its key. Otherwise opening an encrypted layer without its key fails, as in qemu.
     */
    default boolean metadataOnly() {
        return false;
    }

    /** These keys, for a caller that only reads metadata ({@link #metadataOnly()}). */
    default ImageKeys forMetadataOnly() {
        ImageKeys keys = this;
        return new ImageKeys() {
            @Override
            public Secret keyFor(int depth, Path path) {
                return keys.keyFor(depth, path);
            }

            @Override
            public boolean metadataOnly() {
                return true;
            }
        };
    }

    static ImageKeys none() {
        return (depth, path) -> null;
    }

    /** One key per layer, from the top (entries may be null: that layer has no key). */
    static ImageKeys byLayer(List<Secret> layers) {
        List<Secret> copy = new java.util.ArrayList<>(layers);
        return (depth, path) -> depth < copy.size() ? copy.get(depth) : null;
    }

    /** The same key for every layer. */
    static ImageKeys everyLayer(Secret key) {
        return (depth, path) -> key;
    }
}
