package dev.platter.cli;

import dev.platter.cli.output.QemuJson;
import dev.platter.core.Sizes;
import dev.platter.core.crypto.Secrets;
import dev.platter.core.image.CreateOptions;
import dev.platter.operation.Measure;
import dev.platter.operation.MeasureOptions;
import dev.platter.operation.MeasureResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code platter measure}: qemu-img measure's numbers, human and JSON output. */
@Command(name = "measure", sortOptions = false,
        description = "Compute the size a new image (or a converted copy) would need.")
final class MeasureCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    UntrustedOption untrusted;

    @Mixin
    ImageArgs images;

    @Option(names = "--output", paramLabel = "OFMT", description = "human (default) or json.")
    String output = "human";

    @Option(names = "-O", paramLabel = "OUTPUT_FMT", description = "Target format (default: raw).")
    String targetFormat = "raw";

    @Option(names = "-o", paramLabel = "OPTIONS", description = "Target creation options, as for create.")
    List<String> options = new ArrayList<>();

    @Option(names = "--size", paramLabel = "N", description = "Measure a new image of this virtual size.")
    String size;

    @Option(names = "-f", paramLabel = "FMT", description = "Source format (default: probed).")
    String sourceFormat;

    @Option(names = "-l", paramLabel = "SNAPSHOT_PARAM", description = "Measure an internal snapshot of the source.")
    String snapshot;

    @Option(names = {"-U", "--force-share"}, description = "Share the images read with other users (take only the read lock).")
    boolean forceShare;

    @Parameters(arity = "0..1", paramLabel = "FILENAME")
    String filename;

    @Override
    public Integer call() throws Exception {
        try (Secrets secrets = images.secrets()) { // wiped when the command is done
            return run();
        }
    }

    private Integer run() throws Exception {
        boolean json;
        switch (output) {
            case "json" -> json = true;
            case "human" -> json = false;
            default -> throw new CliException("--output must be used with human or json as argument.");
        }
        if (size != null && filename != null) {
            throw new CliException("--size N cannot be used together with a filename.");
        }
        if (filename == null && (images.on() || sourceFormat != null || snapshot != null)) {
            throw new CliException("--image-opts, -f, and -l require a filename argument.");
        }
        if (size == null && filename == null) {
            throw new CliException("Either --size N or one filename must be specified.");
        }
        images.refuseFormats(sourceFormat);
        Map<String, String> opts = new LinkedHashMap<>();
        for (String o : options) {
            opts.putAll(CreateOptions.parseList(o));
        }
        MeasureResult r;
        try {
            if (size != null) {
                long bytes = Sizes.parse(size);
                opts.remove("size");
                r = Measure.run(MeasureOptions.ofSize(targetFormat, opts, bytes));
            } else {
                r = Measure.run(imageOptions(opts));
            }
        } catch (IllegalArgumentException e) {
            throw new CliException(e.getMessage());
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("required", r.required());
            m.put("fully-allocated", r.fullyAllocated());
            if (r.bitmaps() != null) {
                m.put("bitmaps", r.bitmaps());
            }
            out.print(QemuJson.print(m));
        } else {
            out.println("required size: " + r.required());
            out.println("fully allocated size: " + r.fullyAllocated());
            if (r.bitmaps() != null) {
                out.println("bitmaps size: " + r.bitmaps());
            }
        }
        return 0;
    }

    /** Measuring an image: the source with its format and keys, and {@code opts} for the target. */
    MeasureOptions imageOptions(Map<String, String> opts) {
        ImageArg source = images.image(filename, sourceFormat);
        return new MeasureOptions(targetFormat, opts, -1, source.path(), source.filename(), source.format(), snapshot,
                untrusted.resolver(), source.sharedReader(forceShare), source.keys());
    }
}
