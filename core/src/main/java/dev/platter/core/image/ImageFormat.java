package dev.platter.core.image;

import dev.platter.core.storage.ImageLock;
import dev.platter.core.storage.Storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * An image format, found through {@link java.util.ServiceLoader}. Implementations are stateless and cheap to
 * construct: they are instantiated when the registry is first used.
 */
public interface ImageFormat {

    /** Confidence of {@link #probe} when the format's magic is present and sane. */
    int CERTAIN = 100;
    /** Confidence of raw, which accepts anything and is therefore tried last. */
    int FALLBACK = 1;

    /** The name used with -f / -O ("raw", "qcow2"). */
    String name();

    /**
     * How sure this format is that the storage holds one of its images: 0 (no) to {@link #CERTAIN}.
     *
     * @param header  the first bytes of the storage (up to 64 KiB; fewer for smaller files), read-only
     * @param storage the whole storage, for formats whose signature is elsewhere (a footer at the end)
     */
    int probe(ByteBuffer header, Storage storage) throws IOException;

    /**
     * Whether the format keeps metadata in the image file (qcow2) rather than only guest data (raw): qemu then lets
     * nobody else write or resize the file while it is open, even for reading ({@link ImageLock}).
     */
    default boolean storesMetadata() {
        return true;
    }

    /** Opens an image on storage the caller already opened; the image then owns (and closes) the storage. */
    Image open(Storage storage, OpenOptions options) throws IOException;

    /**
     * The creation summary qemu-img prints after "Formatting 'FILE', ": {@code fmt=raw size=1073741824}.
     * Validates nothing; {@link #create} does.
     */
    String describeCreate(long size, CreateOptions options);

    /** Creates a new image file of {@code size} virtual bytes, replacing any file at {@code path}. */
    void create(Path path, long size, CreateOptions options) throws IOException;
}
