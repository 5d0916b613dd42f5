package dev.platter.cli.libvirt;

import dev.platter.core.ProgressListener;
import dev.platter.core.image.CreateOptions;
import dev.platter.libvirt.ConvertDisk;
import dev.platter.libvirt.ConvertDiskOptions;
import dev.platter.libvirt.ConvertDiskResult;
import dev.platter.libvirt.VirshSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code platter libvirt convert-disk DOMAIN -O qcow2}: converts a shut-off domain's disk, compares the copy with
 * it, and redefines the domain with the new path and format in one call; the definition is unchanged on failure.
 */
@Command(name = "convert-disk", sortOptions = false,
        description = "Convert a shut-off domain's disk (declared format, never probed), verify the copy, and"
                + " redefine the domain to use it.")
public final class ConvertDiskCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "DOMAIN", description = "Domain name or UUID.")
    String domain;

    @Option(names = "--target", paramLabel = "DEV", description = "The disk's target (default: the first disk).")
    String target;

    @Option(names = "-O", paramLabel = "OUTPUT_FMT", required = true, description = "The new format, e.g. qcow2.")
    String format;

    @Option(names = "-c", description = "Compress the new image's clusters.")
    boolean compress;

    @Option(names = "-o", paramLabel = "OPTIONS", description = "Creation options of the new image (as convert -o).")
    List<String> options = List.of();

    @Option(names = "--output", paramLabel = "PATH",
            description = "The new image (default: the old path with the format as extension).")
    Path output;

    @Option(names = "--remove-source", description = "Delete the old image once the domain uses the new one.")
    boolean removeSource;

    @Option(names = "--connect", paramLabel = "URI", description = "libvirt URI (default: virsh's).")
    String connect;

    @Override
    public Integer call() throws Exception {
        Map<String, String> o = new LinkedHashMap<>();
        for (String list : options) {
            o.putAll(CreateOptions.parseList(list));
        }
        ConvertDiskResult r;
        try (VirshSession libvirt = VirshSession.open(connect)) {
            r = new ConvertDisk(libvirt, new ConvertDiskOptions(domain, target, format, compress, o, output,
                    removeSource)).run(ProgressListener.NONE);
        }
        PrintWriter out = spec.commandLine().getOut();
        out.println("Domain '" + r.domain() + "' disk " + r.target() + ": " + r.oldPath() + " (" + r.oldFormat()
                + ") -> " + r.newPath() + " (" + r.newFormat() + "), images compared identical");
        out.println(r.sourceRemoved() ? "Removed " + r.oldPath() : "Kept " + r.oldPath());
        return 0;
    }
}
