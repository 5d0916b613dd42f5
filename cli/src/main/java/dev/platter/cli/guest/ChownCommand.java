package dev.platter.cli.guest;

import dev.platter.inspect.guest.Guest;
import dev.platter.inspect.guest.Mounts;
import dev.platter.inspect.ops.GuestWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;

/**
 * {@code platter chown}: guestfish chown with numeric ids, {@code UID:GID} ({@code UID} alone or {@code :GID} leave
 * the other as it is); symlinks are followed, as chown(2) follows them. Names are not looked up: the guest's
 * /etc/passwd is not the host's.
 */
@Command(name = "chown", sortOptions = false, description = "Change numeric owner and group in a guest "
        + "(like guestfish chown).")
public final class ChownCommand extends GuestWriteCommand {
    @Parameters(index = "0", paramLabel = "UID:GID", description = "Numeric owner and group.")
    String owner;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "PATH", description = "Files to change.")
    List<String> paths;

    private long uid;
    private long gid;

    @Override
    void check() throws IOException {
        java.util.regex.Matcher mm = java.util.regex.Pattern.compile("(\\d{0,10})(?::(\\d{0,10}))?").matcher(owner);
        if (!mm.matches() || mm.group(1).isEmpty() && (mm.group(2) == null || mm.group(2).isEmpty())) {
            throw new IOException("invalid owner '" + owner + "' (give numeric UID:GID)");
        }
        uid = mm.group(1).isEmpty() ? -1 : Long.parseLong(mm.group(1));
        gid = mm.group(2) == null || mm.group(2).isEmpty() ? -1 : Long.parseLong(mm.group(2));
        if (uid > 0xFFFFFFFEL || gid > 0xFFFFFFFEL) {
            throw new IOException("invalid owner '" + owner + "' (ids are below 4294967295)");
        }
    }

    @Override
    void write(Guest g, Mounts m, PrintWriter err) throws IOException {
        GuestWriter w = new GuestWriter(m);
        for (String p : paths) {
            try {
                w.chown(GuestWriter.bytes(p), uid, gid);
            } catch (IOException e) {
                failed(err, e);
            }
        }
    }
}
