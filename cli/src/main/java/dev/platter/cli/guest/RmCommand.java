package dev.platter.cli.guest;

import dev.platter.inspect.guest.Guest;
import dev.platter.inspect.guest.Mounts;
import dev.platter.inspect.ops.GuestWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;

/** {@code platter rm}: guestfish rm, rm-r (-r) and rm-f (-f). A symlink is removed, never its target. */
@Command(name = "rm", sortOptions = false, description = "Remove files or directory trees in a guest "
        + "(like guestfish rm, rm-rf).")
public final class RmCommand extends GuestWriteCommand {
    @Option(names = {"-r", "-R", "--recursive"}, description = "Remove directories and their contents.")
    boolean recursive;

    @Option(names = {"-f", "--force"}, description = "No error for a missing path.")
    boolean force;

    @Parameters(paramLabel = "PATH", arity = "1..*", description = "Paths to remove.")
    List<String> paths;

    @Override
    void write(Guest g, Mounts m, PrintWriter err) throws IOException {
        GuestWriter w = new GuestWriter(m);
        for (String p : paths) {
            try {
                w.remove(GuestWriter.bytes(p), recursive, force);
            } catch (IOException e) {
                failed(err, e);
            }
        }
    }
}
