package dev.platter.cli;

import dev.platter.cli.output.ProgressPrinter;
import dev.platter.core.ProgressListener;
import dev.platter.core.Sizes;
import dev.platter.core.crypto.Secrets;
import dev.platter.core.image.CreateOptions;
import dev.platter.operation.Convert;
import dev.platter.operation.ConvertOptions;
import dev.platter.operation.TargetCache;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code platter convert}: qemu-img convert's options, messages and exit codes. */
@Command(name = "convert", sortOptions = false,
        description = "Convert one or more images (concatenated) into a new image, keeping it sparse.")
final class ConvertCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    UntrustedOption untrusted;

    @Mixin
    ImageArgs images;

    @Option(names = "--target-image-opts", description = "The target is an option list, as with --image-opts "
            + "(needs -n): driver=FMT,file.filename=PATH[,encrypt.key-secret=ID]...")
    boolean targetImageOpts;

    @Option(names = "-f", paramLabel = "FMT", description = "Source format (default: probed).")
    String sourceFormat;

    @Option(names = "-O", paramLabel = "OUTPUT_FMT", description = "Target format (default: raw).")
    String targetFormat;

    @Option(names = "-o", paramLabel = "OPTIONS", description = "Target creation options, as for create.")
    List<String> options = new ArrayList<>();

    @Option(names = "-c", description = "Compress the target's clusters (qcow2).")
    boolean compress;

    @Option(names = "-S", paramLabel = "SPARSE_SIZE",
            description = "Zero runs of at least this size are not written (default 4k; 0 allocates everything).")
    String sparseSize;

    @Option(names = "-n", description = "Do not create the target: write into an existing image.")
    boolean skipCreate;

    @Option(names = "--target-is-zero", description = "With -n: the existing target reads as zeros.")
    boolean targetIsZero;

    @Option(names = "-B", paramLabel = "BACKING_FILE",
            description = "Backing file of the target: only what the source's top layer holds is copied.")
    String backingFile;

    @Option(names = "-F", paramLabel = "BACKING_FMT", description = "Format of the backing file (needed with -B).")
    String backingFormat;

    @Option(names = "-l", paramLabel = "SNAPSHOT_PARAM",
            description = "Convert an internal snapshot (snapshot.id=ID,snapshot.name=NAME or ID or NAME).")
    String snapshot;

    @Option(names = "-m", paramLabel = "NUM", description = "Parallel requests and workers, 1..16 (default: cores).")
    Integer workers;

    @Option(names = "-W", description = "Allow out-of-order writes (the target's layout is then not reproducible).")
    boolean outOfOrder;

    @Option(names = "-p", description = "Show progress.")
    boolean progress;

    @Option(names = "-q", description = "Quiet.")
    boolean quiet;

    @Option(names = {"-U", "--force-share"}, description = "Share the images read with other users (take only the read lock).")
    boolean forceShare;

    @Option(names = "-t", paramLabel = "CACHE", description = "Target cache mode: none or directsync (aligned data "
            + "bypasses the host page cache, one sync at the end), writeback or writethrough (page cache, one sync), "
            + "unsafe (qemu-img's default: page cache, no sync). Default: as unsafe, but after the first 256 MiB "
            + "aligned data bypasses the page cache.")
    String cache;

    @Option(names = "-T", paramLabel = "SRC_CACHE", description = "Accepted and ignored.")
    String sourceCache;

    @Option(names = "-C", description = "Accepted and ignored (qemu-img's copy offloading).")
    boolean copyOffload;

    @Parameters(arity = "0..*", paramLabel = "FILENAME", description = "Sources, then the target.")
    List<String> files = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        try (Secrets secrets = images.secrets()) { // wiped when the command is done
            return run(options());
        }
    }

    /** The conversion the command line asks for: sources and target with their formats and keys. */
    ConvertOptions options() throws java.io.IOException {
        if (files.size() < 2) {
            throw new CliException("Must specify image file name");
        }
        if (targetImageOpts && !skipCreate) {
            throw new CliException("--target-image-opts requires use of -n flag");
        }
        if (targetImageOpts && targetFormat != null) {
            throw new CliException("--image-opts and --format are mutually exclusive");
        }
        images.refuseFormats(sourceFormat);
        long sparse = ConvertOptions.DEFAULT_SPARSE_SIZE;
        if (sparseSize != null) {
            try {
                sparse = Sizes.parse(sparseSize);
            } catch (IllegalArgumentException e) {
                sparse = -1;
            }
            if (sparse < 0 || sparse % 512 != 0 || sparse > ConvertOptions.MAX_SPARSE_SIZE) {
                throw new CliException("Invalid buffer size for sparse output specified. Valid sizes are multiples "
                        + "of 512 up to 16777216. Select 0 to disable sparse detection (fully allocates output).");
            }
        }
        Map<String, String> opts = new LinkedHashMap<>();
        for (String o : options) {
            opts.putAll(CreateOptions.parseList(o));
        }
        List<ImageArg> sources = files.subList(0, files.size() - 1).stream()
                .map(f -> images.image(f, sourceFormat)).toList();
        // One -U for all the sources: force-share= may say the same, not otherwise.
        boolean shared = sources.get(0).sharedReader(forceShare);
        for (ImageArg s : sources) {
            if (s.sharedReader(forceShare) != shared) {
                throw new CliException("force-share must be the same for every source");
            }
        }
        String last = files.get(files.size() - 1);
        ImageArg target = targetImageOpts ? ImageArg.parseOpts(last, images.secrets())
                : ImageArg.file(last, targetFormat == null ? "raw" : targetFormat);
        target.checkWriter();
        String targetFmt = target.format() != null ? target.format()
                : ImageOpener.formatOf(target.filename(), null, untrusted.on());
        ConvertOptions.Builder b = ConvertOptions.builder(sources.stream().map(ImageArg::path).toList(),
                        target.path())
                .sourceNames(sources.stream().map(ImageArg::filename).toList())
                .targetName(target.filename())
                .sourceFormat(sourceFormat)
                .sourceFormats(sources.stream().map(ImageArg::format).toList())
                .sourceKeys(sources.stream().map(ImageArg::keys).toList())
                .targetKeys(target.keys())
                .secrets(images.secrets())
                .targetFormat(targetFmt)
                .createOptions(opts)
                .compress(compress)
                .sparseSize(sparse)
                .skipCreate(skipCreate)
                .targetIsZero(targetIsZero)
                .backing(backingFile, backingFormat)
                .snapshot(snapshot)
                .outOfOrder(outOfOrder)
                .forceShare(shared)
                .resolver(untrusted.resolver())
                .warnings(this::warn);
        if (workers != null) {
            b.workers(workers);
        }
        if (cache != null) {
            try {
                b.cache(TargetCache.parse(cache));
            } catch (IllegalArgumentException e) {
                throw new CliException(e.getMessage());
            }
        }
        return b.build();
    }

    private int run(ConvertOptions options) throws Exception {
        if (options.targetName().equals("-")) {
            return toStdout(options);
        }
        ProgressPrinter printer = progress && !quiet ? ProgressPrinter.forStdout(spec.commandLine().getOut()) : null;
        try {
            Convert.run(options, printer == null ? ProgressListener.NONE : printer);
        } catch (IllegalArgumentException e) {
            // The cause may be a lock held elsewhere (a device in use): the reporter adds qemu's hint.
            throw new CliException(e.getMessage(), 1, e.getCause());
        } finally {
            if (printer != null) {
                printer.finish();
            }
        }
        return 0;
    }

    /** A creation warning of the target format ({@code azure=on} rounding the size up), on stderr. */
    private void warn(String warning) {
        java.io.PrintWriter err = spec.commandLine().getErr();
        err.println("platter: warning: " + warning);
        err.flush();
    }

    /**
     * {@code -} as the target: the image goes to stdout, front to back (a format with a sequential writer: vmdk
     * streamOptimized), for a pipe into tar or an upload. Progress, if asked for, goes to stderr.
     */
    private int toStdout(ConvertOptions options) throws Exception {
        if (skipCreate) {
            throw new CliException("-n cannot write into stdout");
        }
        java.io.OutputStream out = dev.platter.cli.output.Stdout.bytes();
        ProgressPrinter printer = progress && !quiet ? ProgressPrinter.forStdout(
                new java.io.PrintWriter(System.err, true)) : null;
        try {
            Convert.toStream(options, out, printer == null ? ProgressListener.NONE : printer);
            out.flush();
        } catch (IllegalArgumentException e) {
            throw new CliException(e.getMessage(), 1, e.getCause());
        } finally {
            if (printer != null) {
                printer.finish();
            }
        }
        return 0;
    }
}
