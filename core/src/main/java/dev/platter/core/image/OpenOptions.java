package dev.platter.core.image;

import dev.platter.core.storage.ImageLock;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * How to open an image.
 *
 * @param readOnly           refuse every write; the file's bytes and times are left untouched
 * @param format             the pinned format name, or null to probe (probing is for trusted input only)
 * @param resolver           the gate for files the image refers to
 * @param openBacking        whether to open the backing chain (off: reads of unallocated ranges return zeros)
 * @param maxChainDepth      longest backing chain accepted
 * @param metadataCacheBytes upper bound on the memory a format may use to cache metadata tables
 * @param chain              images already open above this one, for loop detection (internal)
 * @param locking            how the image's files are locked against other opens (qemu's lock bytes)
 * @param keys               the passphrases of encrypted layers ({@link ImageKeys}); the depth asked is
 *                           {@code chain.size()}
 */
public record OpenOptions(boolean readOnly, String format, ReferenceResolver resolver, boolean openBacking,
                          int maxChainDepth, long metadataCacheBytes, List<Path> chain, Locking locking,
                          ImageKeys keys) {

    /** How an open locks its files, as qemu does. */
    public enum Locking {
        /** qemu's default: readers of a file with metadata let nobody write it; writers let nobody else write. */
        STANDARD,
        /** {@code -U}/{@code --force-share}, read-only opens only: take the read lock, share everything. */
        FORCE_SHARE,
        /** The backing files are force-shared, the image itself standard (commit writes the base itself). */
        SHARE_BACKING,
        /** No locks at all (qemu's {@code locking=off}). */
        OFF
    }

    public static final int DEFAULT_MAX_CHAIN_DEPTH = 64;
    public static final long DEFAULT_METADATA_CACHE = 32L << 20;

    public OpenOptions {
        chain = List.copyOf(chain);
        if (resolver == null) {
            resolver = ReferenceResolver.relativeToImage();
        }
        if (locking == null) {
            locking = Locking.STANDARD;
        }
        if (keys == null) {
            keys = ImageKeys.none();
        }
        if (locking == Locking.FORCE_SHARE && !readOnly) {
            throw new IllegalArgumentException("force-share=on can only be used with read-only images");
        }
    }

    public OpenOptions(boolean readOnly, String format, ReferenceResolver resolver, boolean openBacking,
                       int maxChainDepth, long metadataCacheBytes, List<Path> chain) {
        this(readOnly, format, resolver, openBacking, maxChainDepth, metadataCacheBytes, chain, Locking.STANDARD,
                null);
    }

    public OpenOptions withLocking(Locking value) {
        return new OpenOptions(readOnly, format, resolver, openBacking, maxChainDepth, metadataCacheBytes, chain,
                value, keys);
    }

    /** {@code -U}: shares everything with other opens (read-only opens only). */
    public OpenOptions withForceShare(boolean on) {
        return withLocking(on ? Locking.FORCE_SHARE : Locking.STANDARD);
    }

    /** The lock this open takes on a file of a format that does or does not keep metadata in it. */
    public ImageLock lockFor(boolean metadata) {
        if (readOnly) {
            return ImageLock.reader(metadata, locking == Locking.FORCE_SHARE);
        }
        return ImageLock.writer(metadata);
    }

    /** Read-only, probed format, default gate: what {@code info} and inspection use. */
    public static OpenOptions readOnlyDefaults() {
        return new OpenOptions(true, null, null, true, DEFAULT_MAX_CHAIN_DEPTH, DEFAULT_METADATA_CACHE, List.of());
    }

    /**
     * For images from an untrusted source (uploads, as OpenStack receives them): read-only and the
     * {@link ReferenceResolver#denyAll()} gate, so no backing file, external data file or other reference is ever
     * opened, wherever the format would open it. {@link Images#open} then also refuses an image path with a symbolic
     * link anywhere in it (the file is opened with O_NOFOLLOW), and, unless the format is pinned with
     * {@link #withFormat}, a probe that more than one format claims or whose result disagrees with the file name's
     * extension (a {@code .qcow2} file that probes as raw). Pin the format whenever it is known.
     */
    public static OpenOptions untrusted() {
        return readOnlyDefaults().withResolver(ReferenceResolver.denyAll());
    }

    /** True when the gate marks the image as untrusted (see {@link #untrusted()}). */
    public boolean isUntrusted() {
        return resolver.untrusted();
    }

    /** Read-write, probed format, default gate. */
    public static OpenOptions readWriteDefaults() {
        return readOnlyDefaults().withReadOnly(false);
    }

    public OpenOptions withReadOnly(boolean value) {
        return new OpenOptions(value, format, resolver, openBacking, maxChainDepth, metadataCacheBytes, chain, locking,
                keys);
    }

    public OpenOptions withFormat(String value) {
        return new OpenOptions(readOnly, value, resolver, openBacking, maxChainDepth, metadataCacheBytes, chain, locking,
                keys);
    }

    public OpenOptions withResolver(ReferenceResolver value) {
        return new OpenOptions(readOnly, format, value, openBacking, maxChainDepth, metadataCacheBytes, chain, locking,
                keys);
    }

    public OpenOptions withOpenBacking(boolean value) {
        return new OpenOptions(readOnly, format, resolver, value, maxChainDepth, metadataCacheBytes, chain, locking,
                keys);
    }

    public OpenOptions withMaxChainDepth(int value) {
        return new OpenOptions(readOnly, format, resolver, openBacking, value, metadataCacheBytes, chain, locking,
                keys);
    }

    public OpenOptions withMetadataCacheBytes(long value) {
        return new OpenOptions(readOnly, format, resolver, openBacking, maxChainDepth, value, chain, locking,
                keys);
    }

    /** The passphrases of encrypted layers. */
    public OpenOptions withKeys(ImageKeys value) {
        return new OpenOptions(readOnly, format, resolver, openBacking, maxChainDepth, metadataCacheBytes, chain, locking,
                value);
    }

    /** The key of the image these options open (its depth is the chain above it), or null. */
    public dev.platter.core.crypto.Secret keyFor(Path image) {
        return keys.keyFor(chain.size(), image);
    }

    /**
     * Options for opening a file that {@code image} (at {@code imagePath}) refers to as its backing file: always
     * read-only, with the given format (null = probe), one level deeper in the chain. Fails on a loop or when the
     * chain is too deep.
     */
    public OpenOptions forBacking(Path imagePath, Path backingPath, String backingFormat) throws IOException {
        List<Path> next = new ArrayList<>(chain);
        next.add(canonical(imagePath));
        if (next.size() > maxChainDepth) {
            throw new IOException(imagePath + ": backing chain is longer than " + maxChainDepth + " images");
        }
        Path target = canonical(backingPath);
        if (next.contains(target)) {
            throw new dev.platter.core.CorruptImageException("backing chain", -1,
                    "loop: " + backingPath + " is already part of the chain of " + imagePath);
        }
        Locking backingLocking = locking == Locking.STANDARD ? Locking.STANDARD : locking == Locking.OFF
                ? Locking.OFF : Locking.FORCE_SHARE;
        return new OpenOptions(true, backingFormat, resolver, openBacking, maxChainDepth, metadataCacheBytes, next,
                backingLocking, keys);
    }

    private static Path canonical(Path p) {
        try {
            return p.toRealPath();
        } catch (IOException e) {
            return p.toAbsolutePath().normalize();
        }
    }
}
