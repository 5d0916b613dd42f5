package dev.platter.cli;

import dev.platter.cli.output.ProgressPrinter;
import dev.platter.core.ProgressListener;
import dev.platter.core.crypto.Secrets;
import dev.platter.operation.Compare;
import dev.platter.operation.CompareException;
import dev.platter.operation.CompareOptions;
import dev.platter.operation.CompareResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/**
 * {@code platter compare}: qemu-img compare's messages and exit codes (0 identical, 1 different, 2 an image could
 * not be opened, 3 the allocation map could not be read, 4 a read error).
 */
@Command(name = "compare", sortOptions = false, description = "Check whether two images have the same content.")
final class CompareCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    UntrustedOption untrusted;

    @Mixin
    ImageArgs images;

    @Option(names = "-f", paramLabel = "FMT", description = "Format of the first image (default: probed).")
    String firstFormat;

    @Option(names = "-F", paramLabel = "FMT", description = "Format of the second image (default: probed).")
    String secondFormat;

    @Option(names = "-s", description = "Strict: different sizes or allocation also count as different.")
    boolean strict;

    @Option(names = "-p", description = "Show progress.")
    boolean progress;

    @Option(names = "-q", description = "Quiet: only the exit status tells.")
    boolean quiet;

    @Option(names = {"-U", "--force-share"}, description = "Share the images read with other users (take only the read lock).")
    boolean forceShare;

    @Option(names = "-T", paramLabel = "SRC_CACHE", description = "Accepted and ignored.")
    String cache;

    @Parameters(index = "0", paramLabel = "FILENAME1")
    String first;

    @Parameters(index = "1", paramLabel = "FILENAME2")
    String second;

    @Override
    public Integer call() throws Exception {
        try (Secrets secrets = beforeComparing(images::secrets)) { // wiped when the command is done
            return run(beforeComparing(this::options));
        }
    }

    /** Whatever stops compare before it compares (a bad --object, --image-opts or -U) is status 2, as in qemu-img. */
    private static <T> T beforeComparing(java.util.function.Supplier<T> step) {
        try {
            return step.get();
        } catch (CliException e) {
            throw e.exitCode() == 1 ? new CliException(e.getMessage(), 2, e.getCause()) : e;
        }
    }

    /** What to compare: both images with their formats and keys. */
    CompareOptions options() {
        images.refuseFormats(firstFormat, secondFormat);
        ImageArg a = images.image(first, firstFormat);
        ImageArg b = images.image(second, secondFormat);
        boolean shared = a.sharedReader(forceShare);
        if (b.sharedReader(forceShare) != shared) {
            throw new CliException("force-share must be the same for both images");
        }
        return new CompareOptions(a.path(), a.filename(), a.format(), b.path(), b.filename(), b.format(), strict,
                untrusted.resolver(), shared, a.keys(), b.keys());
    }

    private Integer run(CompareOptions options) throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        ProgressPrinter printer = progress && !quiet ? ProgressPrinter.forStdout(out) : null;
        CompareResult result;
        try {
            result = Compare.run(options, printer == null ? ProgressListener.NONE : printer);
        } catch (CompareException e) {
            if (printer != null) {
                printer.finish();
            }
            throw new CliException(e.getMessage(), e.exitCode(), e);
        }
        if (printer != null) {
            printer.finish();
        }
        if (!quiet) {
            out.print(result.message());
        }
        return result.exitCode();
    }
}
