package dev.platter.cli;

import dev.platter.cli.output.CheckPrinter;
import dev.platter.cli.output.QemuJson;
import dev.platter.cli.output.SafetyPrinter;
import dev.platter.core.UnsupportedFeatureException;
import dev.platter.core.crypto.Secrets;
import dev.platter.core.image.Image;
import dev.platter.core.image.ImageCheck;
import dev.platter.core.image.ImageFormat;
import dev.platter.core.image.capability.AzureUpload;
import dev.platter.core.image.ImageSafety;
import dev.platter.core.image.Images;
import dev.platter.core.image.OpenOptions;
import dev.platter.core.image.SafetyReport;
import dev.platter.core.image.UnknownFormatException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code platter check}: qemu-img check. Exit status 0 consistent, 2 corruptions, 3 only leaks, 1 check failed,
 * 63 the format has no checker. Per-problem lines go to stderr, the summary (human or JSON) to stdout.
 */
@Command(name = "check", sortOptions = false, description = "Check an image's metadata for consistency, and "
        + "optionally repair it.")
final class CheckCommand implements Callable<Integer> {
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

    @Option(names = "-r", paramLabel = "leaks|all", description = "Repair leaked clusters, or everything.")
    String repair;

    @Option(names = "--safety", description = "Inspect the image without following anything and report what makes "
            + "it unsafe to read: file references, unknown feature bits, a format that disagrees with the name or "
            + "with -f, sizes that do not add up, a symbolic link in its path. Exit status 0 safe, 1 unsafe.")
    boolean safety;

    @Option(names = "--azure", description = "Platter only: instead of checking the metadata, report whether "
            + "Microsoft Azure takes the image as an uploaded disk as it stands (a fixed VHD whose virtual size is a "
            + "whole number of MiB, the footer right after the data). Exit status 0 accepted, 1 not.")
    boolean azure;

    @Option(names = "-q", description = "Quiet: print nothing but errors.")
    boolean quiet;

    @Option(names = {"-U", "--force-share"}, description = "Share the image with other users (take only "
            + "the read lock); without -r only.")
    boolean forceShare;

    @Option(names = "-T", paramLabel = "SRC_CACHE", description = "Accepted for qemu-img compatibility.")
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
        ImageCheck.Repair mode;
        if (repair == null) {
            mode = ImageCheck.Repair.NONE;
        } else if (repair.equals("leaks")) {
            mode = ImageCheck.Repair.LEAKS;
        } else if (repair.equals("all")) {
            mode = ImageCheck.Repair.ALL;
        } else {
            throw new CliException("Unknown option value for -r (expecting 'leaks' or 'all'): " + repair);
        }
        if (!output.equals("human") && !output.equals("json")) {
            throw new CliException("--output must be used with human or json as argument.");
        }
        boolean json = output.equals("json");
        images.refuseFormats(format);
        ImageArg arg = images.image(filename, format);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (azure) {
            if (repair != null || safety) {
                throw new CliException("--azure cannot be combined with -r or --safety");
            }
            return azure(arg, out, json);
        }
        if (safety) {
            if (repair != null) {
                throw new CliException("--safety cannot be combined with -r");
            }
            return safety(arg, out, json);
        }
        OpenOptions open = ImageOpener.options(arg, mode == ImageCheck.Repair.NONE, false, forceShare, untrusted.on());
        String fmt = ImageOpener.formatOf(arg.filename(), arg.format(), untrusted.on());
        Image image = Images.openForCheck(arg.path(), arg.filename(), open.withFormat(fmt));
        try (image) {
            ImageCheck result;
            try {
                result = image.check(mode);
            } catch (UnsupportedFeatureException e) {
                throw new CliException("This image format does not support checks", 63);
            }
            result.messages().forEach(err::println);
            err.flush();
            if (result.failure() == null && (result.corruptionsFixed() != 0 || result.leaksFixed() != 0)) {
                if (!json && !quiet) {
                    out.print(CheckPrinter.repaired(result));
                }
                ImageCheck again = image.check(ImageCheck.Repair.NONE);
                again.messages().forEach(err::println);
                err.flush();
                result = again.withFixed(result.corruptionsFixed(), result.leaksFixed());
            }
            if (result.failure() == null && !quiet) {
                out.print(json ? QemuJson.print(CheckPrinter.toJson(result)) : CheckPrinter.human(result));
            }
            out.flush();
            if (result.failure() != null || result.checkErrors() != 0) {
                throw new CliException(result.failure() != null ? "Check failed: " + result.failure() : "Check failed");
            }
            return result.corruptions() != 0 ? 2 : result.leaks() != 0 ? 3 : 0;
        }
    }

    /**
     * {@code --azure}: the verdict on stdout (nothing with -q), exit status 0 accepted, 1 not. Without -f, a file that
     * probes as a format Azure does not take, but carries one it does where probing does not look (a fixed VHD's
     * footer, which qemu-img probes as raw), is judged as that format.
     */
    private int azure(ImageArg arg, PrintWriter out, boolean json) throws IOException {
        Path path = arg.path();
        String filename = arg.filename();
        OpenOptions options = ImageOpener.options(arg, true, false, forceShare, untrusted.on());
        String fmt = ImageOpener.formatOf(filename, arg.format(), untrusted.on());
        List<String> problems;
        String shownFormat;
        Image image = Images.open(path, filename, options.withFormat(fmt));
        try {
            if (arg.format() == null && image.capability(AzureUpload.class).isEmpty()) {
                for (ImageFormat f : Images.formats()) {
                    if (f.readable() && !f.name().equals(image.formatName())
                            && f.unprobedSignature(image.storage()) != null) {
                        image.close();
                        image = Images.open(path, filename, options.withFormat(f.name()));
                        break;
                    }
                }
            }
            shownFormat = image.formatName();
            Optional<AzureUpload> rules = image.capability(AzureUpload.class);
            problems = rules.isPresent() ? rules.get().azureProblems()
                    : List.of("a " + shownFormat + " image: Azure takes fixed VHDs only");
        } finally {
            image.close();
        }
        if (!quiet) {
            if (json) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("filename", filename);
                m.put("format", shownFormat);
                m.put("azure-accepts", problems.isEmpty());
                m.put("problems", problems);
                out.print(QemuJson.print(m));
            } else if (problems.isEmpty()) {
                out.println("Azure accepts '" + filename + "' as an uploaded disk.");
            } else {
                out.println("Azure would refuse '" + filename + "' as an uploaded disk:");
                problems.forEach(p -> out.println("  " + p));
            }
            out.flush();
        }
        return problems.isEmpty() ? 0 : 1;
    }

    /** {@code --safety}: the report on stdout (nothing with -q), exit status 0 safe, 1 unsafe. */
    private int safety(ImageArg arg, PrintWriter out, boolean json) throws IOException {
        SafetyReport report;
        try {
            report = ImageSafety.inspect(arg.path(), arg.filename(), arg.format());
        } catch (UnknownFormatException e) {
            throw new CliException("Unknown file format '" + arg.format() + "'");
        }
        if (!quiet) {
            out.print(json ? SafetyPrinter.json(report) : SafetyPrinter.human(report));
            out.flush();
        }
        return report.safe() ? 0 : 1;
    }
}
