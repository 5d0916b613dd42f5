package dev.platter.cli;

import dev.platter.cli.output.MapPrinter;
import dev.platter.core.Sizes;
import dev.platter.core.crypto.Secrets;
import dev.platter.core.image.Image;
import dev.platter.core.image.Images;
import dev.platter.operation.ImageMap;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/** {@code platter map}: the allocation map of an image and its backing chain, as qemu-img map prints it. */
@Command(name = "map", sortOptions = false, description = "Show the allocation map of an image and its chain.")
final class MapCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    UntrustedOption untrusted;

    @Mixin
    ImageArgs images;

    @Option(names = "-f", paramLabel = "FMT", description = "Image format (default: probed).")
    String format;

    @Option(names = "--output", paramLabel = "OFMT", description = "human (default) or json.")
    String output = "human";

    @Option(names = "--start-offset", paramLabel = "OFFSET", description = "Where to start (default 0).")
    String startOffset;

    @Option(names = "--max-length", paramLabel = "LEN", description = "How much to map (default: to the end).")
    String maxLength;

    @Option(names = {"-U", "--force-share"}, description = "Share the images read with other users (take only the read lock).")
    boolean forceShare;

    @Parameters(index = "0", paramLabel = "FILENAME")
    String filename;

    @Override
    public Integer call() throws Exception {
        try (Secrets secrets = images.secrets()) { // wiped when the command is done
            return run();
        }
    }

    private Integer run() throws Exception {
        images.refuseFormats(format);
        ImageArg arg = images.image(filename, format);
        boolean json;
        switch (output) {
            case "json" -> json = true;
            case "human" -> json = false;
            default -> throw new CliException("--output must be used with human or json as argument.");
        }
        long start = startOffset == null ? 0 : size(startOffset, "start offset");
        long max = maxLength == null ? -1 : size(maxLength, "max length");
        PrintWriter out = spec.commandLine().getOut();
        try (Image image = Images.open(arg.path(), arg.filename(),
                ImageOpener.options(arg, true, true, forceShare, untrusted.on()))) {
            if (json) {
                MapPrinter.JsonStream stream = new MapPrinter.JsonStream(out);
                ImageMap.walk(image, start, max, false, stream::row);
                stream.end();
            } else {
                out.println(MapPrinter.HUMAN_HEADER);
                ImageMap.walk(image, start, max, true, e -> {
                    if (e.data() && !e.hasOffset()) {
                        throw new CliException(MapPrinter.NO_OFFSET);
                    }
                    out.print(MapPrinter.human(e));
                });
            }
        }
        return 0;
    }

    private static long size(String text, String what) {
        try {
            return Sizes.parse(text);
        } catch (IllegalArgumentException e) {
            throw new CliException("Invalid " + what + " specified. You may use k, M, G, T, P or E suffixes for "
                    + "kilobytes, megabytes, gigabytes, terabytes, petabytes and exabytes.");
        }
    }
}
