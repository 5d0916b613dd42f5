package dev.platter.cli;

import dev.platter.cli.output.InfoPrinter;
import dev.platter.cli.output.QemuJson;
import dev.platter.core.crypto.Secrets;
import dev.platter.core.image.Image;
import dev.platter.core.image.ImageInfo;
import dev.platter.core.image.ImageFormat;
import dev.platter.core.image.Images;
import dev.platter.core.image.OpenOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code platter info}: what qemu-img info prints, human or JSON, optionally for the whole backing chain. */
@Command(name = "info", sortOptions = false, description = "Show information about a disk image.")
final class InfoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    UntrustedOption untrusted;

    @Mixin
    ImageArgs images;

    @Option(names = "-f", paramLabel = "FMT", description = "Image format (default: probed).")
    String format;

    @Option(names = "--output", paramLabel = "OFMT", description = "human (default) or json.")
    OutputFormat output = OutputFormat.human;

    @Option(names = "--backing-chain", description = "Show every image of the backing chain.")
    boolean backingChain;

    @Option(names = {"-U", "--force-share"}, description = "Share the images with other users (take only "
            + "the read lock).")
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
        // The chain is opened as map and convert open it: every backing file through the reference gate.
        OpenOptions options = ImageOpener.options(arg, true, backingChain, forceShare, untrusted.on());
        // info reads no data (qemu opens without I/O): encrypted layers open without their keys.
        options = options.withKeys(options.keys().forMetadataOnly());
        List<ImageInfo> chain = new ArrayList<>();
        try (Image image = Images.open(arg.path(), arg.filename(), options)) {
            for (Image i = image; i != null; i = backingChain ? i.backing() : null) {
                chain.add(i.info());
            }
            if (arg.format() == null) {
                noteUnprobedSignatures(image, arg.filename());
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        if (output == OutputFormat.json) {
            if (backingChain) {
                List<Object> list = new ArrayList<>();
                chain.forEach(i -> list.add(InfoPrinter.toJson(i)));
                out.print(QemuJson.print(list));
            } else {
                out.print(QemuJson.print(InfoPrinter.toJson(chain.get(0))));
            }
        } else {
            for (int i = 0; i < chain.size(); i++) {
                if (i > 0) {
                    out.println();
                }
                out.print(InfoPrinter.human(chain.get(i)));
            }
        }
        return 0;
    }

    /** A signature probing does not look for (a fixed VHD's footer) is named on stderr; stdout stays qemu-img's. */
    private void noteUnprobedSignatures(Image image, String filename) throws java.io.IOException {
        for (ImageFormat f : Images.formats()) {
            String seen = f.name().equals(image.formatName()) ? null : f.unprobedSignature(image.storage());
            if (seen != null) {
                PrintWriter err = spec.commandLine().getErr();
                err.println("platter: note: '" + filename + "' has " + seen + " (" + f.name() + "), which probing "
                        + "does not look for: it is read as " + image.formatName() + ", as qemu-img reads it"
                        + (f.readable() ? "; -f " + f.name() + " reads it as " + f.name()
                        : "; '" + f.name() + "' images are not supported yet"));
                err.flush();
            }
        }
    }
}
