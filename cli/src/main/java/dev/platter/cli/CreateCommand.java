package dev.platter.cli;

import dev.platter.core.Sizes;
import dev.platter.core.crypto.Secrets;
import dev.platter.core.image.CreateOptions;
import dev.platter.core.image.ImageFormat;
import dev.platter.core.image.Images;
import dev.platter.core.image.UnknownFormatException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
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

    @Mixin
    UntrustedOption untrusted;

    @Mixin
    ObjectOption objects;

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
        try (Secrets secrets = objects.secrets()) { // wiped when the command is done
            return run(secrets);
        }
    }

    private Integer run(Secrets secrets) throws Exception {
        ImageFormat fmt;
        try {
            fmt = Images.format(format);
        } catch (UnknownFormatException e) {
            throw new CliException(filename + ": Unknown file format '" + format + "'");
        }
        if (!fmt.writable()) {
            // Refused before qemu-img's "Formatting" line, which would announce an image that is never made.
            throw new CliException("'" + fmt.name() + "' images " + (fmt.readable() ? "are read only so far"
                    : "are not supported yet"));
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
        if (opts.containsKey("backing_file")) {
            bytes = checkBacking(fmt, opts, bytes);
            if (bytes < 0) {
                throw new CliException(filename + ": Image creation needs a size parameter");
            }
        }
        // encrypt.key-secret=ID (qcow2) and key-secret=ID (luks) name one of the --object secrets.
        CreateOptions createOptions = new CreateOptions(opts, untrusted.resolver(), unsafe).withSecrets(secrets);
        if (untrusted.on()) {
            Images.refuseLinkedTarget(Path.of(filename), filename);
        }
        String summary;
        try {
            summary = fmt.describeCreate(bytes, createOptions); // qemu's option parsing errors come first
        } catch (IllegalArgumentException e) {
            throw new CliException(filename + ": " + e.getMessage());
        }
        for (String warning : fmt.createWarnings(bytes, createOptions)) {
            spec.commandLine().getErr().println("platter: warning: " + warning);
            spec.commandLine().getErr().flush();
        }
        if (!quiet && bytes >= 0) {
            spec.commandLine().getOut().println("Formatting '" + filename + "', " + summary);
            spec.commandLine().getOut().flush();
        }
        try {
            fmt.create(Path.of(filename), bytes, createOptions);
        } catch (IllegalArgumentException e) {
            // The cause may be a lock held elsewhere (creating on a device in use): the reporter adds qemu's hint.
            throw new CliException(filename + ": " + e.getMessage(), 1, e.getCause());
        }
        return 0;
    }

    /**
     * What qemu-img create does with -b before anything is printed: insists on a backing format, opens the backing
     * file (unless -u) to check it, and takes the size from it when none was given.
     */
    private long checkBacking(ImageFormat fmt, Map<String, String> opts, long bytes) {
        String backing = opts.get("backing_file");
        if (!fmt.supportsBackingFile()) {
            throw new CliException(filename + ": Backing file not supported for file format '" + fmt.name() + "'");
        }
        if (backing.equals(filename)) {
            throw new CliException(filename + ": Error: Trying to create an image with the same filename as the "
                    + "backing file");
        }
        String backingFmt = opts.get("backing_fmt");
        if (backingFmt == null) {
            String detected = null;
            if (!unsafe && !untrusted.on()) { // probing would open the file
                try {
                    java.nio.file.Path p = dev.platter.core.image.ReferenceResolver.relativeToImage()
                            .resolve(Path.of(filename), backing, dev.platter.core.image.ReferenceKind.BACKING_FILE);
                    try (dev.platter.core.storage.Storage st = dev.platter.core.storage.HostFiles.open(p, p.toString(), true)) {
                        detected = Images.probe(st).name();
                    }
                } catch (java.io.IOException | RuntimeException e) {
                    detected = null;
                }
            }
            throw new CliException(filename + ": Backing file specified without backing format"
                    + (detected == null ? "" : "\nDetected format of " + detected + "."));
        }
        if (unsafe) {
            return bytes;
        }
        try (dev.platter.core.image.Image b = Images.openBacking(Path.of(filename), backing, backingFmt,
                untrusted.apply(dev.platter.core.image.OpenOptions.readOnlyDefaults().withOpenBacking(false)))) {
            return bytes >= 0 ? bytes : b.size();
        } catch (UnknownFormatException e) {
            throw new CliException(filename + ": Unknown driver '" + backingFmt + "'\nCould not open backing image.");
        } catch (dev.platter.core.image.ReferenceDeniedException e) {
            throw new CliException(e.getMessage()); // names the new image already
        } catch (java.io.IOException e) {
            throw new CliException(filename + ": " + ErrorReporter.message(e) + "\nCould not open backing image.");
        }
    }
}
