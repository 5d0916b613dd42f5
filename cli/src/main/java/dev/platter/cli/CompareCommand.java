package dev.platter.cli;

import dev.platter.cli.output.ProgressPrinter;
import dev.platter.core.ProgressListener;
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
import java.nio.file.Path;
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
        PrintWriter out = spec.commandLine().getOut();
        ProgressPrinter printer = progress && !quiet ? ProgressPrinter.forStdout(out) : null;
        CompareResult result;
        try {
            result = Compare.run(new CompareOptions(Path.of(first), first, firstFormat, Path.of(second), second,
                    secondFormat, strict, untrusted.resolver(), forceShare),
                    printer == null ? ProgressListener.NONE : printer);
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
