package dev.platter.core.image;

import dev.platter.core.BlockDevice;
import dev.platter.core.UnsupportedFeatureException;
import dev.platter.core.storage.Storage;

import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * A virtual disk read from an image file: a {@link BlockDevice} whose {@link #mapping} answers for the whole
 * backing chain (with the depth of the layer that answered).
 */
public interface Image extends BlockDevice {

    /** The format's name as qemu-img prints it ("raw", "qcow2", ...). */
    String formatName();

    /** The host storage of this layer: the file its metadata lives in (for raw, its data too). */
    Storage storage();

    /**
     * Every storage this layer holds open (its own file first, then data or extent files opened so far through
     * the reference gate), not those of its backing chain.
     */
    default List<Storage> storages() {
        return List.of(storage());
    }

    /** The next layer of the backing chain, or null. */
    default Image backing() {
        return null;
    }

    /**
     * An optional capability of this image ({@link dev.platter.core.image.capability}), or empty when it has none
     * of that kind. Ask, do not cast: an image may offer a capability only in some states (compressed writes, not
     * with an external data file).
     */
    default <T> Optional<T> capability(Class<T> type) {
        return Optional.empty();
    }

    /** What {@code info} reports about this layer. */
    ImageInfo info() throws IOException;

    /**
     * Changes the virtual size. Shrinking loses data past the new end, so it needs {@code allowShrink}. Formats
     * without it refuse with qemu-img's message.
     */
    default void resize(long newSize, boolean allowShrink) throws IOException {
        throw new UnsupportedFeatureException("resize", "Image format driver does not support resize");
    }

    /**
     * Checks the image's metadata for consistency and, with {@code repair}, fixes what it may (the image must then
     * be open read-write). Formats without a checker refuse, as qemu-img does.
     */
    default ImageCheck check(ImageCheck.Repair repair) throws IOException {
        throw new UnsupportedFeatureException("check", "This image format does not support checks");
    }
}
