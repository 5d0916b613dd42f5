package dev.platter.cli.guest;

import dev.platter.cli.CliException;
import dev.platter.inspect.guest.Guest;
import dev.platter.inspect.guest.Mounts;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;

/**
 * What every command that writes into a guest shares: the guest options ({@link GuestArgs}), the guest opened
 * read-write and mounted as the read commands mount it (-m, or inspection), the work, then the guest closed, which
 * commits every filesystem written and flushes the images. A failure is one line, {@code platter: COMMAND: ...},
 * exit status 1; what was written before it stays written (each operation is crash-atomic by itself, as each
 * libguestfs call is).
 */
abstract class GuestWriteCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    GuestArgs guest;

    @Option(names = "--help", usageHelp = true, description = "Show this help.")
    boolean help;

    /** Errors met on items the command went on after (copy-in of several files ...). */
    int errors;

    /** The work, on the mounted guest. */
    abstract void write(Guest g, Mounts m, PrintWriter err) throws IOException;

    /** Checks the arguments before the guest is opened. */
    void check() throws IOException {
    }

    /** Names the command in messages. */
    String name() {
        return spec.name();
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        try {
            check();
        } catch (IOException e) {
            throw new CliException(name() + ": " + e.getMessage());
        }
        IOException failed = null;
        try (Guest g = guest.openWritable()) {
            Mounts m = guest.mount(g, err);
            try {
                write(g, m, err);
            } catch (IOException e) {
                failed = e;
            }
            guest.printWarnings(g, err);
        } catch (IOException e) {
            if (failed == null) {
                throw e;  // opening, mounting, or committing at close
            }
            failed.addSuppressed(e);
            err.println("platter: " + name() + ": " + e.getMessage());
        }
        if (failed != null) {
            throw new CliException(name() + ": " + failed.getMessage(), 1, failed);
        }
        return errors == 0 ? 0 : 1;
    }

    /** Reports a failure on one item and goes on. */
    void failed(PrintWriter err, IOException e) {
        err.println("platter: " + name() + ": " + e.getMessage());
        errors++;
    }
}
