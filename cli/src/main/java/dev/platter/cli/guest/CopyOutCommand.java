package dev.platter.cli.guest;

import dev.platter.cli.CliException;
import dev.platter.inspect.guest.Guest;
import dev.platter.inspect.guest.Mounts;
import dev.platter.inspect.ops.CopyOut;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code platter copy-out}: virt-copy-out. Files and directory trees out of the guest into LOCALDIR, which they
 * can never leave whatever the guest's names and symlinks say.
 */
@Command(name = "copy-out", sortOptions = false,
        description = "Copy files and directories out of a guest (like virt-copy-out).")
public final class CopyOutCommand implements java.util.concurrent.Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    GuestArgs guest;

    @Option(names = "--help", usageHelp = true, description = "Show this help.")
    boolean help;

    @Parameters(paramLabel = "PATH... LOCALDIR", arity = "2..*",
            description = "Guest files or directories, then the host directory to copy them into.")
    List<String> args;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        Path localDir = Path.of(args.get(args.size() - 1));
        if (!java.nio.file.Files.isDirectory(localDir)) {
            throw new CliException("copy-out: target '" + localDir + "' is not a directory");
        }
        boolean root = "root".equals(System.getProperty("user.name"));
        int errors = 0;
        try (Guest g = guest.open(true)) {
            Mounts m = guest.mount(g, err);
            CopyOut copy = new CopyOut(m, root);
            for (String remote : args.subList(0, args.size() - 1)) {
                try {
                    copy.copy(remote, localDir);
                } catch (IOException e) {
                    err.println("platter: copy-out: " + e.getMessage());
                    errors++;
                }
            }
            for (String w : copy.warnings()) {
                err.println("platter: warning: " + w);
            }
            guest.printWarnings(g, err);
        }
        return errors == 0 ? 0 : 1;
    }
}
