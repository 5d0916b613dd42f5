package dev.platter.cli.guest;

import dev.platter.inspect.guest.Guest;
import dev.platter.inspect.guest.Mounts;
import dev.platter.inspect.ops.GuestWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;

/** {@code platter chmod}: guestfish chmod, the mode in octal; symlinks are followed, as chmod(2) follows them. */
@Command(name = "chmod", sortOptions = false, description = "Change permissions in a guest (like guestfish chmod).")
public final class ChmodCommand extends GuestWriteCommand {
    @Parameters(index = "0", paramLabel = "MODE", description = "Octal mode (0755, 4755 ...).")
    String mode;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "PATH", description = "Files to change.")
    List<String> paths;

    private int permissions;

    @Override
    void check() throws IOException {
        permissions = octalMode(mode);
    }

    /** An octal mode of at most 07777. */
    static int octalMode(String mode) throws IOException {
        if (!mode.matches("[0-7]{1,5}")) {
            throw new IOException("invalid mode '" + mode + "' (give it in octal: 0755, 4755 ...)");
        }
        int p = Integer.parseInt(mode, 8);
        if (p > 07777) {
            throw new IOException("invalid mode '" + mode + "' (at most 07777)");
        }
        return p;
    }

    @Override
    void write(Guest g, Mounts m, PrintWriter err) throws IOException {
        GuestWriter w = new GuestWriter(m);
        for (String p : paths) {
            try {
                w.chmod(GuestWriter.bytes(p), permissions);
            } catch (IOException e) {
                failed(err, e);
            }
        }
    }
}
