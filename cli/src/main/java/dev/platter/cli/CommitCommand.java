package dev.platter.cli;

import dev.platter.cli.output.ProgressPrinter;
import dev.platter.core.ProgressListener;
import dev.platter.core.crypto.Secrets;
import dev.platter.operation.Commit;
import dev.platter.operation.CommitOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/** {@code platter commit}: qemu-img commit (into the backing file, or -b a deeper one; -d keeps the image). */
@Command(name = "commit", sortOptions = false,
        description = "Write an image's changes into its backing file.")
final class CommitCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    UntrustedOption untrusted;

    @Mixin
    ImageArgs images;

    @Option(names = "-f", paramLabel = "FMT", description = "Image format (default: probed).")
    String format;

    @Option(names = "-b", paramLabel = "BASE",
            description = "Commit into this member of the backing chain (implies -d).")
    String base;

    @Option(names = "-d", description = "Do not empty the image afterwards.")
    boolean keep;

    @Option(names = "-p", description = "Show progress.")
    boolean progress;

    @Option(names = "-q", description = "Quiet.")
    boolean quiet;

    @Option(names = "-t", paramLabel = "CACHE", description = "Accepted and ignored.")
    String cache;

    @Option(names = "-r", paramLabel = "RATE_LIMIT", description = "Accepted and ignored.")
    String rate;

    @Parameters(index = "0", paramLabel = "FILENAME")
    String filename;

    @Override
    public Integer call() throws Exception {
        try (Secrets secrets = images.secrets()) { // wiped when the command is done
            return run(options());
        }
    }

    /** The commit asked for: the image with its format and the keys of its chain. */
    CommitOptions options() {
        images.refuseFormats(format);
        ImageArg image = images.image(filename, format);
        image.checkWriter();
        return new CommitOptions(image.path(), image.filename(), image.format(), base, keep, untrusted.resolver(),
                image.keys());
    }

    private Integer run(CommitOptions options) throws Exception {
        ProgressPrinter printer = progress && !quiet ? ProgressPrinter.forStdout(spec.commandLine().getOut()) : null;
        try {
            Commit.run(options, printer == null ? ProgressListener.NONE : printer);
        } catch (IllegalArgumentException e) {
            throw new CliException(e.getMessage());
        } finally {
            if (printer != null) {
                printer.finish();
            }
        }
        if (!quiet) {
            spec.commandLine().getOut().println("Image committed.");
        }
        return 0;
    }
}
