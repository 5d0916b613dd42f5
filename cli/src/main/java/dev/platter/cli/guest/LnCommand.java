package dev.platter.cli.guest;

import dev.platter.inspect.fs.WritableFileSystem.Attributes;
import dev.platter.inspect.guest.Guest;
import dev.platter.inspect.guest.Mounts;
import dev.platter.inspect.ops.GuestWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;

/**
 * {@code platter ln}: guestfish ln, ln-s, ln-f and ln-sf. A symlink's target is stored as given (never resolved);
 * a hard link's target must be on the same filesystem and not a directory.
 */
@Command(name = "ln", sortOptions = false, description = "Make a hard or symbolic link in a guest "
        + "(like guestfish ln, ln-s).")
public final class LnCommand extends GuestWriteCommand {
    @Option(names = {"-s", "--symbolic"}, description = "Make a symbolic link.")
    boolean symbolic;

    @Option(names = {"-f", "--force"}, description = "Replace LINKNAME if it exists (not a directory).")
    boolean force;

    @Parameters(index = "0", paramLabel = "TARGET", description = "What the link points to.")
    String target;

    @Parameters(index = "1", paramLabel = "LINKNAME", description = "The link to make.")
    String link;

    @Override
    void write(Guest g, Mounts m, PrintWriter err) throws IOException {
        GuestWriter w = new GuestWriter(m);
        byte[] name = GuestWriter.bytes(link);
        if (symbolic) {
            Attributes a = Attributes.of(0777);
            if (force) {
                w.putSymlink(GuestWriter.bytes(target), name, a);
            } else {
                w.symlink(GuestWriter.bytes(target), name, a);
            }
        } else {
            w.link(GuestWriter.bytes(target), name, force);
        }
    }
}
