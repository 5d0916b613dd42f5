package dev.platter.cli.guest;

import dev.platter.inspect.guest.Guest;
import dev.platter.inspect.guest.Mounts;
import dev.platter.inspect.ops.CopyIn;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code platter copy-in}: virt-copy-in. Host files and directory trees into a guest directory, with their modes,
 * numeric owners, times, symlinks and hard links, as tar carries them.
 */
@Command(name = "copy-in", sortOptions = false,
        description = "Copy files and directories into a guest (like virt-copy-in).")
public final class CopyInCommand extends GuestWriteCommand {
    @Parameters(paramLabel = "LOCAL... REMOTEDIR", arity = "2..*",
            description = "Host files or directories, then the guest directory to copy them into.")
    List<String> args;

    @Override
    void write(Guest g, Mounts m, PrintWriter err) throws IOException {
        String remoteDir = args.get(args.size() - 1);
        CopyIn copy = new CopyIn(m);
        for (String local : args.subList(0, args.size() - 1)) {
            try {
                copy.copy(Path.of(local), remoteDir);
            } catch (IOException e) {
                failed(err, e);
            }
        }
        for (String w : copy.warnings()) {
            err.println("platter: warning: " + w);
        }
    }
}
