package dev.platter.cli.guest;

import dev.platter.cli.CliException;
import dev.platter.cli.output.Stdout;
import dev.platter.inspect.guest.Guest;
import dev.platter.inspect.guest.Mounts;
import dev.platter.inspect.ops.TarOut;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code platter tar-out}: virt-tar-out. A guest directory as a tarball, to a file or to stdout ("-"). */
@Command(name = "tar-out", sortOptions = false, description = "Archive a guest directory as a tarball "
        + "(like virt-tar-out).")
public final class TarOutCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    GuestArgs guest;

    @Option(names = {"-z", "--gzip"}, description = "Compress with gzip.")
    boolean gzip;

    @Option(names = "--xz", description = "Compress with xz.")
    boolean xz;

    @Option(names = "--help", usageHelp = true, description = "Show this help.")
    boolean help;

    @Parameters(index = "0", paramLabel = "DIR", description = "The guest directory.")
    String dir;

    @Parameters(index = "1", paramLabel = "TARBALL", description = "The tarball to write, or - for stdout.")
    String tarball;

    @Override
    public Integer call() throws Exception {
        if (gzip && xz) {
            throw new CliException("choose --gzip or --xz, not both");
        }
        TarOut.Compression c = gzip ? TarOut.Compression.GZIP : xz ? TarOut.Compression.XZ : TarOut.Compression.NONE;
        PrintWriter err = spec.commandLine().getErr();
        try (Guest g = guest.open(true)) {
            Mounts m = guest.mount(g, err);
            TarOut tar = new TarOut(m);
            if (tarball.equals("-")) {
                OutputStream out = Stdout.bytes();
                tar.write(dir, out, c);
                out.flush();
            } else {
                try (OutputStream out = Files.newOutputStream(Path.of(tarball))) {
                    tar.write(dir, out, c);
                }
            }
            for (String w : tar.warnings()) {
                err.println("platter: warning: " + w);
            }
            guest.printWarnings(g, err);
        }
        return 0;
    }
}
