package dev.platter.cli;

import dev.platter.cli.output.ProgressPrinter;
import dev.platter.core.ProgressListener;
import dev.platter.core.crypto.Secrets;
import dev.platter.operation.Rebase;
import dev.platter.operation.RebaseOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/** {@code platter rebase}: qemu-img rebase (safe by default; -u rewrites the reference only; -b "" flattens). */
@Command(name = "rebase", sortOptions = false, description = "Change the backing file of an image.")
final class RebaseCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    UntrustedOption untrusted;

    @Mixin
    ImageArgs images;

    @Option(names = "-f", paramLabel = "FMT", description = "Image format (default: probed).")
    String format;

    @Option(names = "-b", paramLabel = "BACKING_FILE", required = true,
            description = "New backing file (\"\" to make the image stand alone).")
    String backingFile;

    @Option(names = "-F", paramLabel = "BACKING_FMT", description = "Format of the new backing file.")
    String backingFormat;

    @Option(names = "-u", description = "Unsafe: only rewrite the reference (the content is assumed equal).")
    boolean unsafe;

    @Option(names = "-p", description = "Show progress.")
    boolean progress;

    @Option(names = "-q", description = "Quiet.")
    boolean quiet;

    @Option(names = {"-U", "--force-share"}, description = "Share the images read with other users (take only the read lock).")
    boolean forceShare;

    @Option(names = "-t", paramLabel = "CACHE", description = "Accepted and ignored.")
    String cache;

    @Option(names = "-T", paramLabel = "SRC_CACHE", description = "Accepted and ignored.")
    String sourceCache;

    @Parameters(index = "0", paramLabel = "FILENAME")
    String filename;

    @Override
    public Integer call() throws Exception {
        try (Secrets secrets = images.secrets()) { // wiped when the command is done
            return run(options());
        }
    }

    /** The rebase asked for: the image with its format and the keys of its chain. */
    RebaseOptions options() {
        images.refuseFormats(format);
        ImageArg image = images.image(filename, format);
        image.checkWriter(); // -U shares the backing files; the image itself is written
        return new RebaseOptions(image.path(), image.filename(), image.format(), backingFile, backingFormat, unsafe,
                untrusted.resolver(), forceShare, image.keys());
    }

    private Integer run(RebaseOptions options) throws Exception {
        ProgressPrinter printer = progress && !quiet ? ProgressPrinter.forStdout(spec.commandLine().getOut()) : null;
        try {
            Rebase.run(options, printer == null ? ProgressListener.NONE : printer);
        } catch (IllegalArgumentException e) {
            throw new CliException(e.getMessage());
        } finally {
            if (printer != null) {
                printer.finish();
            }
        }
        return 0;
    }
}
