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
import java.util.List;

/** {@code platter mkdir}: guestfish mkdir and mkdir-p. New directories are 0755 root:root. */
@Command(name = "mkdir", sortOptions = false, description = "Make directories in a guest (like guestfish mkdir).")
public final class MkdirCommand extends GuestWriteCommand {
    @Option(names = {"-p", "--parents"}, description = "Make missing parents too; no error if it exists.")
    boolean parents;

    @Parameters(paramLabel = "PATH", arity = "1..*", description = "Directories to make.")
    List<String> paths;

    @Override
    void write(Guest g, Mounts m, PrintWriter err) throws IOException {
        GuestWriter w = new GuestWriter(m);
        for (String p : paths) {
            try {
                if (parents) {
                    w.mkdirs(GuestWriter.bytes(p), Attributes.of(GuestWriter.DIR_MODE));
                } else {
                    w.mkdir(GuestWriter.bytes(p), Attributes.of(GuestWriter.DIR_MODE));
                }
            } catch (IOException e) {
                failed(err, e);
            }
        }
    }
}
