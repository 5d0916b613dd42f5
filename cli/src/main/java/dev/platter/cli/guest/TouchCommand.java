package dev.platter.cli.guest;

import dev.platter.inspect.guest.Guest;
import dev.platter.inspect.guest.Mounts;
import dev.platter.inspect.ops.GuestWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;

/** {@code platter touch}: guestfish touch. Access and modification times to now; a missing file is made empty. */
@Command(name = "touch", sortOptions = false, description = "Update file times, or make empty files, in a guest "
        + "(like guestfish touch).")
public final class TouchCommand extends GuestWriteCommand {
    @Parameters(paramLabel = "PATH", arity = "1..*", description = "Files to touch.")
    List<String> paths;

    @Override
    void write(Guest g, Mounts m, PrintWriter err) throws IOException {
        GuestWriter w = new GuestWriter(m);
        for (String p : paths) {
            try {
                w.touch(GuestWriter.bytes(p));
            } catch (IOException e) {
                failed(err, e);
            }
        }
    }
}
