package dev.platter.operation;

import dev.platter.core.crypto.Secrets;
import dev.platter.core.image.ImageKeys;
import dev.platter.core.image.ReferenceResolver;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What to convert and how: qemu-img convert's options. Build with {@link #builder(List, Path)}.
 *
 * @param sources          source images, concatenated in order
 * @param sourceNames      their names as the user typed them (messages)
 * @param sourceFormat     pinned source format, or null to probe (probing is for trusted input)
 * @param snapshot         {@code -l}: an internal snapshot of the (single) source to convert instead of its
 *                         active state ({@code snapshot.id=ID,snapshot.name=NAME} or an id or name), or null
 * @param target           the target file
 * @param targetName       its name as typed
 * @param targetFormat     target format ({@code -O}, default raw)
 * @param createOptions    {@code -o}: creation options, as {@code create} takes them
 * @param compress         {@code -c}: store target clusters compressed
 * @param sparseSize       {@code -S}: zero runs of at least this many bytes are not written; 0 writes everything
 * @param skipCreate       {@code -n}: the target exists; do not create it
 * @param targetIsZero     {@code --target-is-zero}: with {@code -n}, the existing target reads as zeros
 * @param backingFile      {@code -B}: the new target's backing file; only what the source's top layer allocates
 *                         is copied
 * @param backingFormat    {@code -F}: its format (mandatory with {@code -B})
 * @param workers          {@code -m}: requests in flight and worker threads, 1..16
 * @param outOfOrder       {@code -W}: allow writes out of order (faster; the target layout is then not
 *                         deterministic)
 * @param resolver         gate for the files the sources refer to
 * @param cache            {@code -t}: how the target is written (default {@link TargetCache#AUTO})
 * @param forceShare       {@code -U}: the sources are opened sharing everything with other users (qemu's locks)
 * @param warnings         where the target format's creation warnings go (the CLI: stderr), one line each
 * @param sourceFormats    per source, a format that overrides {@code sourceFormat} (entries may be null; empty:
 *                         {@code sourceFormat} for all), as {@code --image-opts} pins each source's driver
 * @param sourceKeys       per source, the passphrases of its encrypted layers (empty: none)
 * @param targetKeys       the passphrases of an existing target's layers ({@code -n}); a target convert creates
 *                         is opened with the key its creation options name instead ({@code encrypt.key-secret=ID},
 *                         {@code key-secret=ID})
 * @param secrets          the secrets that creation options name by id (qemu's {@code --object secret})
 */
public record ConvertOptions(List<Path> sources, List<String> sourceNames, String sourceFormat, String snapshot,
                             Path target, String targetName, String targetFormat, Map<String, String> createOptions,
                             boolean compress, long sparseSize, boolean skipCreate, boolean targetIsZero,
                             String backingFile, String backingFormat, int workers, boolean outOfOrder,
                             ReferenceResolver resolver, TargetCache cache, boolean forceShare,
                             java.util.function.Consumer<String> warnings, List<String> sourceFormats,
                             List<ImageKeys> sourceKeys, ImageKeys targetKeys, Secrets secrets) {

    /** qemu-img's default for {@code -S}. */
    public static final long DEFAULT_SPARSE_SIZE = 4096;
    /** Largest {@code -S} qemu-img accepts. */
    public static final long MAX_SPARSE_SIZE = 16L << 20;
    public static final int MAX_WORKERS = 16;

    public ConvertOptions {
        sources = List.copyOf(sources);
        sourceNames = List.copyOf(sourceNames);
        createOptions = Map.copyOf(new LinkedHashMap<>(createOptions));
        if (resolver == null) {
            resolver = ReferenceResolver.relativeToImage();
        }
        if (cache == null) {
            cache = TargetCache.AUTO;
        }
        if (warnings == null) {
            warnings = w -> { };
        }
        sourceFormats = sourceFormats == null ? List.of() : java.util.Collections.unmodifiableList(
                new ArrayList<>(sourceFormats));
        sourceKeys = sourceKeys == null ? List.of() : List.copyOf(sourceKeys);
        if (!sourceFormats.isEmpty() && sourceFormats.size() != sources.size()
                || !sourceKeys.isEmpty() && sourceKeys.size() != sources.size()) {
            throw new IllegalArgumentException("one format and one set of keys per source");
        }
        if (targetKeys == null) {
            targetKeys = ImageKeys.none();
        }
        if (secrets == null) {
            secrets = Secrets.none();
        }
    }

    /** The format of source {@code i}: its own, else {@code sourceFormat} (null: probed). */
    public String sourceFormat(int i) {
        String own = sourceFormats.isEmpty() ? null : sourceFormats.get(i);
        return own != null ? own : sourceFormat;
    }

    /** The keys of source {@code i}. */
    public ImageKeys sourceKeys(int i) {
        return sourceKeys.isEmpty() ? ImageKeys.none() : sourceKeys.get(i);
    }

    /** The default worker count: one per core, within qemu-img's 1..16. */
    public static int defaultWorkers() {
        return Math.max(1, Math.min(MAX_WORKERS, Runtime.getRuntime().availableProcessors()));
    }

    public static Builder builder(List<Path> sources, Path target) {
        return new Builder(sources, target);
    }

    /** Builder with qemu-img's defaults: raw target, {@code -S 4k}, one worker per core, ordered writes. */
    public static final class Builder {
        private boolean forceShare;
        private final List<Path> sources;
        private final Path target;
        private List<String> sourceNames;
        private String targetName;
        private String sourceFormat;
        private String snapshot;
        private String targetFormat = "raw";
        private final Map<String, String> createOptions = new LinkedHashMap<>();
        private boolean compress;
        private long sparseSize = DEFAULT_SPARSE_SIZE;
        private boolean skipCreate;
        private boolean targetIsZero;
        private String backingFile;
        private String backingFormat;
        private int workers = defaultWorkers();
        private boolean outOfOrder;
        private ReferenceResolver resolver;
        private java.util.function.Consumer<String> warnings;
        private TargetCache cache = TargetCache.AUTO;
        private List<String> sourceFormats;
        private List<ImageKeys> sourceKeys;
        private ImageKeys targetKeys;
        private Secrets secrets;

        private Builder(List<Path> sources, Path target) {
            this.sources = List.copyOf(sources);
            this.target = target;
        }

        public Builder sourceNames(List<String> names) {
            this.sourceNames = new ArrayList<>(names);
            return this;
        }

        public Builder targetName(String name) {
            this.targetName = name;
            return this;
        }

        public Builder sourceFormat(String format) {
            this.sourceFormat = format;
            return this;
        }

        public Builder snapshot(String snapshotParam) {
            this.snapshot = snapshotParam;
            return this;
        }

        public Builder targetFormat(String format) {
            this.targetFormat = format;
            return this;
        }

        public Builder createOptions(Map<String, String> options) {
            this.createOptions.putAll(options);
            return this;
        }

        public Builder compress(boolean value) {
            this.compress = value;
            return this;
        }

        public Builder sparseSize(long bytes) {
            this.sparseSize = bytes;
            return this;
        }

        public Builder skipCreate(boolean value) {
            this.skipCreate = value;
            return this;
        }

        public Builder targetIsZero(boolean value) {
            this.targetIsZero = value;
            return this;
        }

        public Builder backing(String file, String format) {
            this.backingFile = file;
            this.backingFormat = format;
            return this;
        }

        public Builder workers(int count) {
            this.workers = count;
            return this;
        }

        public Builder outOfOrder(boolean value) {
            this.outOfOrder = value;
            return this;
        }

        /** Where the target format's creation warnings go ({@code azure=on} rounding a size up). */
        public Builder warnings(java.util.function.Consumer<String> value) {
            this.warnings = value;
            return this;
        }

        public Builder resolver(ReferenceResolver value) {
            this.resolver = value;
            return this;
        }

        public Builder forceShare(boolean value) {
            this.forceShare = value;
            return this;
        }

        public Builder cache(TargetCache value) {
            this.cache = value;
            return this;
        }

        /** Per source, a format overriding {@link #sourceFormat} (null entries keep it). */
        public Builder sourceFormats(List<String> formats) {
            this.sourceFormats = new ArrayList<>(formats);
            return this;
        }

        /** Per source, the passphrases of its encrypted layers. */
        public Builder sourceKeys(List<ImageKeys> keys) {
            this.sourceKeys = new ArrayList<>(keys);
            return this;
        }

        /** The passphrases of an existing target ({@code -n}). */
        public Builder targetKeys(ImageKeys keys) {
            this.targetKeys = keys;
            return this;
        }

        /** The secrets that creation options name ({@code encrypt.key-secret=ID}). */
        public Builder secrets(Secrets value) {
            this.secrets = value;
            return this;
        }

        public ConvertOptions build() {
            List<String> names = sourceNames != null ? sourceNames
                    : sources.stream().map(Path::toString).toList();
            return new ConvertOptions(sources, names, sourceFormat, snapshot, target,
                    targetName != null ? targetName : target.toString(), targetFormat, createOptions, compress,
                    sparseSize, skipCreate, targetIsZero, backingFile, backingFormat, workers, outOfOrder, resolver,
                    cache, forceShare, warnings, sourceFormats, sourceKeys, targetKeys, secrets);
        }
    }
}
