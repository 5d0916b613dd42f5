package dev.platter.cli;

import dev.platter.core.Sizes;
import dev.platter.core.image.CreateOptions;
import dev.platter.core.image.ImageFormat;
import dev.platter.core.image.Images;
import dev.platter.core.image.UnknownFormatException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code platter create}: a new image, with qemu-img's options, messages and "Formatting" line. */
@Command(name = "create", sortOptions = false,
        description = "Create a new disk image (raw is sparse by default).")
final class CreateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "-f", paramLabel = "FMT", description = "Image format (default: raw).")
    String format = "raw";

    @Option(names = "-b", paramLabel = "BACKING_FILE", description = "Backing file of the new image.")
    String backingFile;

    @Option(names = "-F", paramLabel = "BACKING_FMT", description = "Format of the backing file.")
    String backingFormat;

    @Option(names = "-u", description = "Do not open the backing file (its size must then be given).")
    boolean unsafe;

    @Option(names = "-o", paramLabel = "OPTIONS",
            description = "Format options, key=value[,key=value...], e.g. preallocation=falloc.")
    java.util.List<String> options = new java.util.ArrayList<>();

    @Option(names = "-q", description = "Quiet: print nothing but errors.")
    boolean quiet;

    @Parameters(index = "0", paramLabel = "FILENAME")
    String filename;

    @Parameters(index = "1", arity = "0..1", paramLabel = "SIZE",
            description = "Virtual size in bytes, or with a suffix k, M, G, T, P, E (powers of 1024).")
    String size;

    @Override
    public Integer call() throws Exception {
        ImageFormat fmt;
        try {
            fmt = Images.format(format);
        } catch (UnknownFormatException e) {
            throw new CliException(filename + ": Unknown file format '" + format + "'");
        }
        Map<String, String> opts = new LinkedHashMap<>();
        for (String o : options) {
            opts.putAll(CreateOptions.parseList(o));
        }
        if (backingFile != null) {
            opts.put("backing_file", backingFile);
        }
        if (backingFormat != null) {
            opts.put("backing_fmt", backingFormat);
        }
        long bytes;
        try {
            if (size != null) {
                bytes = Sizes.parse(size);
            } else if (opts.containsKey("size")) {
                bytes = Sizes.parse(opts.get("size"));
            } else if (opts.containsKey("backing_file")) {
                bytes = -1; // the format takes it from the backing file
            } else {
                throw new CliException(filename + ": Image creation needs a size parameter");
            }
        } catch (IllegalArgumentException e) {
            throw new CliException(e.getMessage());
        }
        opts.remove("size");
        CreateOptions createOptions = new CreateOptions(opts, null, unsafe);
        if (!quiet && bytes >= 0) {
            spec.commandLine().getOut().println("Formatting '" + filename + "', "
                    + fmt.describeCreate(bytes, createOptions));
            spec.commandLine().getOut().flush();
        }
        try {
            fmt.create(Path.of(filename), bytes, createOptions);
        } catch (IllegalArgumentException e) {
            throw new CliException(filename + ": " + e.getMessage());
        }
        return 0;
    }
}
