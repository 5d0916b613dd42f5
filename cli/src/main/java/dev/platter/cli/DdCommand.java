package dev.platter.cli;

import dev.platter.core.Sizes;
import dev.platter.core.crypto.Secrets;
import dev.platter.operation.Dd;
import dev.platter.operation.DdOptions;
import dev.platter.operation.DdResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code platter dd}: qemu-img dd's operands (if= of= bs= count= skip=) and messages. */
@Command(name = "dd", sortOptions = false,
        description = "Copy blocks of an image into a new image (holes and zero blocks stay sparse).")
final class DdCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    UntrustedOption untrusted;

    @Mixin
    ImageArgs images;

    @Option(names = "-f", paramLabel = "FMT", description = "Input format (default: probed).")
    String inputFormat;

    @Option(names = "-O", paramLabel = "OUTPUT_FMT", description = "Output format (default: raw).")
    String outputFormat = "raw";

    @Option(names = {"-U", "--force-share"}, description = "Share the images read with other users (take only the read lock).")
    boolean forceShare;

    @Parameters(arity = "0..*", paramLabel = "OPERAND", description = "if=INPUT of=OUTPUT [bs=N] [count=N] [skip=N]")
    List<String> operands = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        try (Secrets secrets = images.secrets()) { // wiped when the command is done
            return run(options());
        }
    }

    /** The copy the operands ask for: the input with its format and keys. */
    DdOptions options() {
        String in = null;
        String out = null;
        long bs = DdOptions.DEFAULT_BLOCK_SIZE;
        long count = -1;
        long skip = 0;
        for (String op : operands) {
            int eq = op.indexOf('=');
            String key = eq < 0 ? op : op.substring(0, eq);
            String value = eq < 0 ? "" : op.substring(eq + 1);
            switch (key) {
                case "if" -> in = value;
                case "of" -> out = value;
                case "bs" -> {
                    bs = number(value, "bs");
                    if (bs < 1 || bs > Dd.MAX_BLOCK_SIZE) {
                        throw new CliException("Invalid bs specified. Must be between 1 and " + Dd.MAX_BLOCK_SIZE
                                + ".");
                    }
                }
                case "count" -> count = number(value, "count");
                case "skip" -> skip = number(value, "skip");
                default -> throw new CliException("unrecognized operand " + key);
            }
        }
        if (in == null || out == null) {
            throw new CliException("Must specify both input and output files");
        }
        images.refuseFormats(inputFormat);
        // The input may be an option list; the output is a file name even with --image-opts, as in qemu-img.
        ImageArg input = images.image(in, inputFormat);
        return new DdOptions(input.path(), input.filename(), input.format(), Path.of(out), out, outputFormat, bs,
                count, skip, untrusted.resolver(), input.sharedReader(forceShare), input.keys());
    }

    private Integer run(DdOptions options) throws Exception {
        DdResult r;
        try {
            r = Dd.run(options);
        } catch (IllegalArgumentException e) {
            throw new CliException(e.getMessage());
        }
        if (r.skipPastTheEnd()) {
            spec.commandLine().getErr().println("platter: " + options.inputName() + ": cannot skip to specified "
                    + "offset");
        }
        return 0;
    }

    private static long number(String value, String what) {
        try {
            return Sizes.parse(value);
        } catch (IllegalArgumentException e) {
            throw new CliException("Invalid " + what + " specified. You may use k, M, G, T, P or E suffixes for "
                    + "kilobytes, megabytes, gigabytes, terabytes, petabytes and exabytes.");
        }
    }
}
