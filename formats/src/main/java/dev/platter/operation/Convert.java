package dev.platter.operation;

import dev.platter.core.Extent;
import dev.platter.core.ProgressListener;
import dev.platter.core.image.CreateOptions;
import dev.platter.core.image.Image;
import dev.platter.core.image.ImageFormat;
import dev.platter.core.image.Images;
import dev.platter.core.image.OpenOptions;
import dev.platter.core.image.UnknownFormatException;

import dev.platter.core.storage.StagedFile;
import dev.platter.core.image.capability.CompressedWrites;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Converts one or more images (concatenated) into a new or existing image, as {@code qemu-img convert} does: the
 * source's allocation map drives the copy, so unallocated and zero runs are never read; data is scanned for zeros
 * ({@code -S}); workers read, scan and compress in parallel with bounded memory, and write in order so that the
 * result is the same on every run.
 */
public final class Convert {
    /** qemu-img's I/O buffer: the longest data request. */
    static final int BUFFER_SIZE = 2 << 20;

    private final ConvertOptions options;

    public Convert(ConvertOptions options) {
        this.options = options;
    }

    /** Runs the conversion; {@code listener} hears the progress in bytes of data handled. */
    public static ConvertResult run(ConvertOptions options, ProgressListener listener) throws IOException {
        return new Convert(options).run(listener);
    }

    public ConvertResult run(ProgressListener listener) throws IOException {
        validate();
        ImageFormat targetFormat;
        try {
            targetFormat = Images.format(options.targetFormat());
        } catch (UnknownFormatException e) {
            throw new IllegalArgumentException("Unknown file format '" + options.targetFormat() + "'");
        }
        if (options.compress() && !targetFormat.supportsCompression()) {
            throw new IllegalArgumentException("Compression not supported for this file format");
        }
        if (options.compress() && (options.createOptions().containsKey("encrypt.format")
                || options.createOptions().containsKey("encryption"))) {
            // A compressed cluster would be stored unencrypted: qemu-img refuses the pair, and so does Platter.
            throw new IllegalArgumentException("Compression and encryption not supported at the same time");
        }
        if (backingFile() != null) {
            if (!targetFormat.supportsBackingFile()) {
                throw new IllegalArgumentException("Backing file not supported for file format '"
                        + targetFormat.name() + "'");
            }
            if (backingFormat() == null) {
                throw new IllegalArgumentException("Use of backing file requires explicit backing format");
            }
        }
        if (!options.skipCreate()) {
            // Creating the target would truncate a source that is the same file.
            for (int i = 0; i < options.sources().size(); i++) {
                if (sameFile(options.sources().get(i), options.target())) {
                    throw new IllegalArgumentException("'" + options.targetName() + "' is also a source: "
                            + "converting into it would destroy it");
                }
            }
        }
        try (ConvertSources sources = openSources()) {
            long total = sources.size();
            // A new target is written under a hidden name and renamed into place when complete.
            StagedFile staged = options.skipCreate() ? null : StagedFile.begin(options.target(), options.targetName());
            try (staged) {
                Path file = staged == null ? options.target() : staged.path();
                ConvertResult result;
                try (ConvertTarget target = openTarget(targetFormat, total, file)) {
                    result = copy(sources, target, listener);
                    target.finish(options.cache().flushAtClose());
                }
                if (staged != null) {
                    staged.commit(options.cache().flushAtClose());
                }
                return result;
            }
        }
    }

    /**
     * Converts into {@code out}, a sink that cannot seek (stdout), through the target format's sequential writer:
     * clusters go out in ascending order (so {@code -W} is refused), zero runs are left out. No {@code -n}, no
     * backing file for the target.
     */
    public static ConvertResult toStream(ConvertOptions options, java.io.OutputStream out, ProgressListener listener)
            throws IOException {
        Convert c = new Convert(options);
        c.validate();
        if (options.skipCreate() || options.outOfOrder() || c.backingFile() != null) {
            throw new IllegalArgumentException("a stream target is written once, front to back: -n, -W and a "
                    + "backing file do not apply");
        }
        ImageFormat targetFormat;
        try {
            targetFormat = Images.format(options.targetFormat());
        } catch (UnknownFormatException e) {
            throw new IllegalArgumentException("Unknown file format '" + options.targetFormat() + "'");
        }
        try (ConvertSources sources = c.openSources()) {
            CreateOptions create = new CreateOptions(options.createOptions(), options.resolver(), false)
                    .withFinalPath(options.target()).withSecrets(options.secrets());
            dev.platter.core.image.SequentialImageWriter writer = targetFormat.createSequential(out, sources.size(),
                    create);
            writer.compression().configure(options.createOptions());
            ConvertResult result;
            try (ConvertTarget target = new SequentialTarget(writer)) {
                result = copy(sources, target, new Settings(options.sparseSize(), true, ChunkPlanner.ALL_LAYERS, -1,
                        options.compress(), options.workers(), false), listener);
                target.finish(true);
            }
            return result;
        }
    }

    private static boolean sameFile(java.nio.file.Path a, java.nio.file.Path b) {
        try {
            return java.nio.file.Files.exists(a) && java.nio.file.Files.exists(b)
                    && java.nio.file.Files.isSameFile(a, b);
        } catch (IOException e) {
            return false;
        }
    }

    /** The target's backing file, from {@code -B} or {@code -o backing_file}. */
    private String backingFile() {
        return options.backingFile() != null ? options.backingFile() : options.createOptions().get("backing_file");
    }

    private String backingFormat() {
        return options.backingFormat() != null ? options.backingFormat() : options.createOptions().get("backing_fmt");
    }

    private void validate() {
        if (options.sources().isEmpty()) {
            throw new IllegalArgumentException("Must specify image file name");
        }
        if (options.workers() < 1 || options.workers() > ConvertOptions.MAX_WORKERS) {
            throw new IllegalArgumentException("Invalid number of coroutines. Allowed number of coroutines is "
                    + "between 1 and " + ConvertOptions.MAX_WORKERS);
        }
        long s = options.sparseSize();
        if (s < 0 || s % ZeroScan.SECTOR != 0 || s > ConvertOptions.MAX_SPARSE_SIZE) {
            throw new IllegalArgumentException("Invalid buffer size for sparse output specified. Valid sizes are "
                    + "multiples of 512 up to 16777216. Select 0 to disable sparse detection (fully allocates "
                    + "output).");
        }
        if (options.targetIsZero() && !options.skipCreate()) {
            throw new IllegalArgumentException("--target-is-zero requires use of -n flag");
        }
        if (options.skipCreate() && !options.createOptions().isEmpty()) {
            throw new IllegalArgumentException("-o has no effect when skipping image creation");
        }
        if (options.snapshot() != null && options.sources().size() > 1) {
            throw new IllegalArgumentException("No support for concatenating multiple snapshot");
        }
    }

    /** How source {@code i} is opened: read-only, its format and keys. */
    OpenOptions sourceOpenOptions(int i) {
        return OpenOptions.readOnlyDefaults().withFormat(options.sourceFormat(i)).withResolver(options.resolver())
                .withForceShare(options.forceShare()).withKeys(options.sourceKeys(i));
    }

    /**
     * How the target is opened for writing. One that convert has just created is opened with the key its creation
     * options name ({@code encrypt.key-secret=ID} for qcow2, {@code key-secret=ID} for luks), an existing one
     * ({@code -n}) with the keys the caller gave.
     */
    OpenOptions targetOpenOptions(ImageFormat format) {
        OpenOptions open = OpenOptions.readWriteDefaults().withFormat(format.name()).withResolver(options.resolver());
        if (options.skipCreate()) {
            return open.withKeys(options.targetKeys());
        }
        Map<String, String> create = options.createOptions();
        String id = create.getOrDefault("encrypt.key-secret", create.get("key-secret"));
        // Looked up when the format asks: creation has already refused an id that names no secret.
        return id == null ? open : open.withKeys((depth, path) -> depth == 0 ? options.secrets().get(id) : null);
    }

    private ConvertSources openSources() throws IOException {
        List<Image> images = new ArrayList<>();
        List<Image> owned = new ArrayList<>();
        try {
            for (int i = 0; i < options.sources().size(); i++) {
                Image img = Images.open(options.sources().get(i), options.sourceNames().get(i), sourceOpenOptions(i));
                if (options.snapshot() != null) {
                    owned.add(img);
                    images.add(SnapshotViews.openView(img, options.snapshot()));
                } else {
                    images.add(img);
                }
            }
            return new ConvertSources(images, owned);
        } catch (IOException | RuntimeException e) {
            List<Image> all = new ArrayList<>(owned);
            if (options.snapshot() == null) {
                all.addAll(images);
            }
            for (Image img : all) {
                try {
                    img.close();
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
    }

    /** A message about the file being written, naming the target as the user did (not its hidden staging name). */
    private String shownAsTarget(String message, Path file) {
        return message == null ? null : message.replace(file.toString(), options.targetName());
    }

    private ConvertTarget openTarget(ImageFormat format, long size, Path file) throws IOException {
        OpenOptions open = targetOpenOptions(format);
        if (!options.skipCreate()) {
            if (open.isUntrusted()) {
                Images.refuseLinkedTarget(options.target(), options.targetName());
            }
            Map<String, String> opts = new LinkedHashMap<>(options.createOptions());
            if (backingFile() != null) {
                opts.put("backing_file", backingFile());
                opts.put("backing_fmt", backingFormat());
            }
            try {
                CreateOptions create = new CreateOptions(opts, options.resolver(), false)
                        .withSecrets(options.secrets());
                format.createWarnings(size, create).forEach(options.warnings());
                format.create(file, size, file.equals(options.target()) ? create
                        : create.withFinalPath(options.target()));
            } catch (IllegalArgumentException e) {
                String msg = shownAsTarget(e.getMessage(), file);
                throw new IllegalArgumentException(msg != null && msg.startsWith("Invalid parameter") ? msg
                        : options.targetName() + ": error while converting " + format.name() + ": " + msg, e);
            } catch (IOException e) {
                if (file.equals(options.target())) {
                    throw e;
                }
                throw new IOException(shownAsTarget(e.getMessage(), file), e);
            }
        }
        Image image;
        try {
            image = Images.open(file, options.targetName(), open);
        } catch (IOException e) {
            if (file.equals(options.target())) {
                throw e;
            }
            throw new IOException(shownAsTarget(e.getMessage(), file), e);
        }
        try {
            if (options.skipCreate() && image.size() < size) {
                throw new IllegalArgumentException("output file is smaller than input file");
            }
            if (options.cache().bypassAfter() >= 0) {
                image.storage().bypassPageCacheForAlignedWrites(options.cache().bypassAfter());
            }
            if (!options.skipCreate()) {
                image.capability(CompressedWrites.class).ifPresent(c -> c.configure(options.createOptions()));
            }
            return new ImageTarget(image, true);
        } catch (RuntimeException e) {
            try {
                image.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    private ConvertResult copy(ConvertSources sources, ConvertTarget target, ProgressListener listener)
            throws IOException {
        Image targetImage = ((ImageTarget) target).image();
        boolean targetHasBacking = backingFile() != null;
        long targetBackingSize = -1;
        if (targetHasBacking && !options.skipCreate() && targetImage != null && targetImage.backing() != null) {
            targetBackingSize = targetImage.backing().size();
        }
        // A new image reads as zeros unless it has a backing file (preallocated clusters read as zeros too,
        // as qemu's has_zero_init knows) or is a raw image on a block device; an existing one only when the caller
        // promises it.
        boolean readsZero = options.skipCreate() ? options.targetIsZero()
                : !targetHasBacking && newTargetReadsZero(targetImage);
        return copy(sources, target, new Settings(options.sparseSize(), readsZero,
                targetHasBacking ? 1 : ChunkPlanner.ALL_LAYERS, targetBackingSize, options.compress(),
                options.workers(), options.outOfOrder()), listener);
    }

    /**
     * Whether a target just created reads as zeros. On a block device only where its own map holds no data (a new
     * qcow2): a raw image "created" there keeps the device's old bytes (qemu's has_zero_init is false for
     * host_device, true for a qcow2 without preallocation), so zero runs must be written.
     */
    static boolean newTargetReadsZero(Image target) throws IOException {
        if (target != null && !dev.platter.core.image.Images.format(target.formatName()).createdReadsAsZeros()) {
            return false;
        }
        if (target == null || !target.storage().isBlockDevice()) {
            return true;
        }
        for (long pos = 0; pos < target.size(); ) {
            Extent e = target.mapping(pos, target.size() - pos);
            if (e.status() == Extent.Status.DATA || e.hostOffset() >= 0) {
                return false;
            }
            pos = e.end();
        }
        return true;
    }

    /**
     * How a copy runs once source and target are open.
     *
     * @param sparseSize        {@code -S} in bytes: zero stretches of at least this size found in data are not
     *                          written; 0 writes everything (zero runs too, as data); -1 writes data as it is and
     *                          zero runs as zero writes (commit)
     * @param targetReadsZero   the target reads as zeros wherever nothing is written
     * @param copiedLayers      how many layers of the source chain are copied from the top (1 with a target backing
     *                          file; {@link ChunkPlanner#ALL_LAYERS} otherwise)
     * @param targetBackingSize size of the target's backing file, or -1 when unknown
     * @param compress          {@code -c}
     * @param workers           parallel requests
     * @param outOfOrder        {@code -W}
     */
    record Settings(long sparseSize, boolean targetReadsZero, int copiedLayers, long targetBackingSize,
                    boolean compress, int workers, boolean outOfOrder) {
    }

    /** Copies every source byte the target needs; shared by convert and dd. */
    static ConvertResult copy(ConvertSources sources, ConvertTarget target, Settings s, ProgressListener listener)
            throws IOException {
        CompressedWrites offered = target.compressor();
        boolean compress = s.compress() || (offered != null && offered.compressesEverything());
        CompressedWrites compressor = compress ? offered : null;
        if (s.compress() && compressor == null) {
            throw new IllegalArgumentException("Compression not supported for this file format");
        }
        long compressCluster = compressor == null ? 0 : compressor.clusterSize();
        int bufferSize = (int) Math.max(BUFFER_SIZE, compressCluster);

        long work = 0;
        boolean countZero = s.sparseSize() == 0;
        if (s.sparseSize() < 0 && s.targetReadsZero()) {
            throw new IllegalArgumentException("copying without zero detection needs zero writes");
        }
        if (listener != ProgressListener.NONE) {
            ChunkPlanner survey = new ChunkPlanner(sources, bufferSize, compressCluster, s.copiedLayers(),
                    s.targetBackingSize());
            for (Chunk c = survey.next(); c != null; c = survey.next()) {
                if (c.kind() == Chunk.Kind.DATA || (countZero && c.kind() == Chunk.Kind.ZERO)) {
                    work += c.len();
                }
            }
            listener.progress(0, work);
        }
        CopyPipeline.Progress progress = new CopyPipeline.Progress(listener, work, countZero);
        ChunkPlanner planner = new ChunkPlanner(sources, bufferSize, compressCluster, s.copiedLayers(),
                s.targetBackingSize());
        ChunkProcessor processor = new ChunkProcessor(sources, s.sparseSize(), s.targetReadsZero(), compressor,
                bufferSize);
        new CopyPipeline(planner, processor, target, s.workers(), s.outOfOrder(), bufferSize, progress).run();
        if (listener != ProgressListener.NONE) {
            listener.progress(work, work);
        }
        return new ConvertResult(sources.size(), progress.dataBytes());
    }
}
