package dev.platter.cli;

import dev.platter.core.Sizes;
import dev.platter.core.crypto.Secrets;
import dev.platter.core.image.Image;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/** {@code platter resize}: qemu-img resize, absolute or relative ({@code +SIZE}, {@code -- -SIZE}). */
@Command(name = "resize", sortOptions = false, description = "Change the virtual size of an image.")
final class ResizeCommand implements Callable<Integer> {
    private static final String SIZE_ERROR = "Parameter 'size' expects a non-negative number below 2^64\n"
            + "Optional suffix k, M, G, T, P or E means kilo-, mega-, giga-, tera-, peta-\n"
            + "and exabytes, respectively.";

    @Spec
    CommandSpec spec;

    @Mixin
    UntrustedOption untrusted;

    @Mixin
    ImageArgs images;

    @Option(names = "-f", paramLabel = "FMT", description = "Image format (default: probed).")
    String format;

    @Option(names = "--shrink", description = "Allow shrinking (data past the new end is lost).")
    boolean shrink;

    @Option(names = "--preallocation", paramLabel = "MODE", description = "Only 'off' is supported.")
    String preallocation;

    @Option(names = "-q", description = "Quiet.")
    boolean quiet;

    @Parameters(index = "0", paramLabel = "FILENAME")
    String filename;

    @Parameters(index = "1", paramLabel = "[+|-]SIZE")
    String size;

    @Override
    public Integer call() throws Exception {
        try (Secrets secrets = images.secrets()) { // wiped when the command is done
            return run();
        }
    }

    private Integer run() throws Exception {
        images.refuseFormats(format);
        if (preallocation != null && !preallocation.equals("off")) {
            throw new CliException("Unsupported preallocation mode '" + preallocation + "'");
        }
        int sign = size.startsWith("+") ? 1 : size.startsWith("-") ? -1 : 0;
        long value;
        try {
            value = Sizes.parse(sign == 0 ? size : size.substring(1));
        } catch (IllegalArgumentException e) {
            throw new CliException(SIZE_ERROR);
        }
        try (Image image = ImageOpener.open(images.image(filename, format), false, true, false, untrusted.on())) {
            long current = image.size();
            long target = sign == 0 ? value : current + sign * value;
            if (target <= 0) {
                throw new CliException("New image size must be positive");
            }
            if (target < current && !shrink) {
                PrintWriter err = spec.commandLine().getErr();
                err.println("platter: Use the --shrink option to perform a shrink operation.");
                err.println("platter: warning: Shrinking an image will delete all data beyond the shrunken image's "
                        + "end. Before performing such an operation, make sure there is no important data there.");
                err.flush();
                return 1;
            }
            image.resize(target, shrink);
        }
        if (!quiet) {
            spec.commandLine().getOut().println("Image resized.");
            spec.commandLine().getOut().flush();
        }
        return 0;
    }
}
