package dev.platter.cli;

import dev.platter.core.crypto.Secrets;
import dev.platter.core.image.CreateOptions;
import dev.platter.core.image.Image;
import dev.platter.core.image.capability.Amendable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code platter amend}: qemu-img amend, for the formats that can change options in place. */
@Command(name = "amend", sortOptions = false, description = "Change format options of an existing image.")
final class AmendCommand implements Callable<Integer> {
    @Mixin
    UntrustedOption untrusted;

    @Mixin
    ImageArgs images;

    @Option(names = "-f", paramLabel = "FMT", description = "Image format (default: probed).")
    String format;

    @Option(names = "-o", paramLabel = "OPTIONS", description = "Options to change, key=value[,key=value...].")
    List<String> options = new ArrayList<>();

    @Option(names = "-q", description = "Quiet.")
    boolean quiet;

    @Option(names = "-p", description = "Accepted for qemu-img compatibility (no progress is shown).")
    boolean progress;

    @Option(names = "--force", description = "Accepted for qemu-img compatibility.")
    boolean force;

    @Option(names = "-t", paramLabel = "CACHE", description = "Accepted for qemu-img compatibility.")
    String cache;

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
        if (options.isEmpty()) {
            throw new CliException("Must specify options (-o)");
        }
        Map<String, String> opts = new LinkedHashMap<>();
        for (String o : options) {
            if (o.isEmpty()) {
                throw new CliException("Invalid option list: " + o);
            }
            opts.putAll(CreateOptions.parseList(o));
        }
        try (Image image = ImageOpener.open(images.image(filename, format), false, true, false, untrusted.on())) {
            Amendable q = image.capability(Amendable.class).orElse(null);
            if (q == null) {
                throw new CliException("Format driver '" + image.formatName() + "' does not support option amendment");
            }
            try {
                q.amend(opts, images.secrets()); // encrypt.new-secret=ID and the like name secrets
            } catch (IllegalArgumentException e) {
                throw new CliException(e.getMessage());
            }
        }
        return 0;
    }
}
