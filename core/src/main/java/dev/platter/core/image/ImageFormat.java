package dev.platter.core.image;

import dev.platter.core.UnsupportedFeatureException;
import dev.platter.core.image.capability.SizeEstimate;
import dev.platter.core.storage.ImageLock;
import dev.platter.core.storage.Storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

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
     * What of this format {@code storage} carries where qemu's probe does not look, so that it probes as another
     * format ("a fixed VHD footer at the end": such a file probes as raw in qemu-img 7.2 and in Platter), or null.
     * {@code info} mentions it. Default: null.
     */
    default String unprobedSignature(Storage storage) throws IOException {
        return null;
    }

    /**
     * Whether the format keeps metadata in the image file (qcow2) rather than only guest data (raw): qemu then lets
     * nobody else write or resize the file while it is open, even for reading ({@link ImageLock}).
     */
    default boolean storesMetadata() {
        return true;
    }

    /**
     * Whether images of this format can be opened. False for a format that is only recognised (so that its images
     * are refused by name instead of being read as raw) until its reader lands.
     */
    default boolean readable() {
        return true;
    }

    /** Whether images of this format can be created and written. */
    default boolean writable() {
        return true;
    }

    /** Opens an image on storage the caller already opened; the image then owns (and closes) the storage. */
    /**
     * Whether an image just created (without a backing file or preallocation) reads as zeros everywhere, as qemu's
     * has_zero_init says: convert then skips zero runs. False where unwritten sectors read as noise (raw LUKS).
     */
    default boolean createdReadsAsZeros() {
        return true;
    }

    Image open(Storage storage, OpenOptions options) throws IOException;

    /**
     * Opens an image for {@code check}: read-write only when repairing, without its backing chain, and as far as a
     * damaged image allows (a format that marks images corrupt opens them anyway, since a repair is what clears the
     * mark). Default: {@link #open}.
     */
    default Image openForCheck(Storage storage, OpenOptions options) throws IOException {
        return open(storage, options);
    }

    /** Whether images of this format can have a backing file. */
    default boolean supportsBackingFile() {
        return false;
    }

    /** Whether {@code convert -c} can store compressed clusters in this format. */
    default boolean supportsCompression() {
        return false;
    }

    /**
     * The size estimate for new images with these {@code -o} options ({@code qemu-img measure}); invalid options
     * are an {@link IllegalArgumentException} with qemu-img's message. Default: not supported.
     */
    default SizeEstimate sizeEstimate(Map<String, String> createOptions) throws IOException {
        throw new UnsupportedFeatureException("size measurement", "Block driver '" + name()
                + "' does not support size measurement");
    }

    /**
     * The creation summary qemu-img prints after "Formatting 'FILE', ": {@code fmt=raw size=1073741824}.
     * Validates nothing; {@link #create} does.
     */
    String describeCreate(long size, CreateOptions options);

    /**
     * What the user should be told before an image is created with these options (Platter's own options that change
     * what was asked for: {@code azure=on} rounding a VHD's size up), one line each; the CLI prints them on stderr.
     * Validates nothing. Default: none.
     */
    default List<String> createWarnings(long size, CreateOptions options) {
        return List.of();
    }

    /** Creates a new image file of {@code size} virtual bytes, replacing any file at {@code path}. */
    void create(Path path, long size, CreateOptions options) throws IOException;

    /**
     * A new image of {@code size} virtual bytes written front to back into {@code out}, which cannot seek (convert to
     * stdout). Default: not possible for this format.
     */
    default SequentialImageWriter createSequential(java.io.OutputStream out, long size, CreateOptions options)
            throws IOException {
        throw new UnsupportedFeatureException("streamed output", "'" + name() + "' images cannot be written to a "
                + "stream (a pipe or stdout)");
    }

    /**
     * File name extensions (lower case, without the dot) that name this format, such as {@code qcow2}. A file of
     * an untrusted image whose name has one of them must hold this format. Default: none.
     */
    default List<String> fileExtensions() {
        return List.of();
    }

    /**
     * What makes an image in this format unsafe to read as it stands, found from its metadata alone: the files it
     * refers to (with the names as stored), feature bits the format does not know, tables and sizes that do not
     * add up. Nothing is followed or opened, and damaged metadata is a finding, not an exception. Default: none
     * (a format without metadata, like raw).
     *
     * @param storage the image's bytes (the format has already been chosen for it)
     */
    default List<SafetyFinding> safetyFindings(Storage storage) throws IOException {
        return List.of();
    }
}
