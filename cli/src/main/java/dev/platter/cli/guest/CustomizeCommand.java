package dev.platter.cli.guest;

import dev.platter.cli.CliException;
import dev.platter.inspect.guest.Guest;
import dev.platter.inspect.guest.Mounts;
import dev.platter.inspect.guest.OsInfo;
import dev.platter.inspect.ops.GuestEdits;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code platter customize}: the file-editing part of virt-customize. The operations run in the order given on the
 * command line, as virt-customize runs them; the first that fails stops the command (what ran before it stays).
 */
@Command(name = "customize", sortOptions = false, description = "Customize a guest: hostname, files, directories "
        + "(like virt-customize).")
public final class CustomizeCommand extends GuestWriteCommand {
    private interface Step {
        void run(GuestEdits edits, OsInfo os) throws IOException;
    }

    private final List<Step> steps = new ArrayList<>();

    @Option(names = "--hostname", paramLabel = "HOSTNAME", description = "Set the hostname, where the guest's"
            + " distribution keeps it (/etc/hostname; on Debian /etc/hosts too; older RHEL /etc/sysconfig/network).")
    void hostname(String name) {
        steps.add((e, os) -> {
            e.hostname(name, os);
        });
    }

    @Option(names = "--write", paramLabel = "FILE:CONTENT", description = "Write CONTENT to FILE (created, or its"
            + " content replaced).")
    void write(String spec) {
        int colon = spec.indexOf(':');
        if (colon <= 0) {
            throw new CliException("customize: --write: expected FILE:CONTENT, not '" + spec + "'");
        }
        String file = spec.substring(0, colon);
        byte[] content = spec.substring(colon + 1).getBytes(StandardCharsets.UTF_8);
        steps.add((e, os) -> e.write(file, content));
    }

    @Option(names = "--upload", paramLabel = "FILE:DEST", description = "Upload the host FILE to DEST (into it,"
            + " when a directory), keeping its permissions and numeric owner.")
    void upload(String spec) {
        int colon = spec.indexOf(':');
        if (colon <= 0 || colon == spec.length() - 1) {
            throw new CliException("customize: --upload: expected FILE:DEST, not '" + spec + "'");
        }
        Path local = Path.of(spec.substring(0, colon));
        String dest = spec.substring(colon + 1);
        steps.add((e, os) -> e.upload(local, dest));
    }

    @Option(names = "--delete", paramLabel = "PATH", description = "Delete PATH, recursively; wildcards allowed.")
    void delete(String path) {
        steps.add((e, os) -> e.delete(path));
    }

    @Option(names = "--truncate", paramLabel = "PATH", description = "Truncate an existing file to zero bytes.")
    void truncate(String path) {
        steps.add((e, os) -> e.truncate(path));
    }

    @Option(names = "--mkdir", paramLabel = "DIR", description = "Make a directory and its missing parents.")
    void mkdir(String path) {
        steps.add((e, os) -> e.mkdirs(path));
    }

    @Option(names = "--chmod", paramLabel = "PERMISSIONS:FILE", description = "Change FILE's permissions;"
            + " PERMISSIONS in octal with a leading 0 (0755).")
    void chmod(String spec) {
        int colon = spec.indexOf(':');
        if (colon <= 0) {
            throw new CliException("customize: --chmod: expected PERMISSIONS:FILE, not '" + spec + "'");
        }
        String mode = spec.substring(0, colon);
        if (!mode.startsWith("0")) {
            // virt-customize reads a mode without a leading 0 as decimal (755 = 01363): refuse the trap.
            throw new CliException("customize: --chmod: give the permissions in octal with a leading 0 (0" + mode
                    + "), as virt-customize reads '" + mode + "' as a decimal number");
        }
        int perms;
        try {
            perms = ChmodCommand.octalMode(mode);
        } catch (IOException ex) {
            throw new CliException("customize: --chmod: " + ex.getMessage());
        }
        String file = spec.substring(colon + 1);
        steps.add((e, os) -> e.chmod(perms, file));
    }

    @Override
    void check() throws IOException {
        if (steps.isEmpty()) {
            throw new IOException("nothing to do (give --hostname, --write, --upload, --delete, --truncate,"
                    + " --mkdir or --chmod)");
        }
    }

    @Override
    void write(Guest g, Mounts m, PrintWriter err) throws IOException {
        OsInfo os = null;
        if (!guest.hasMounts()) {
            List<OsInfo> roots = g.inspect();
            os = roots.size() == 1 ? roots.get(0) : null;
        }
        GuestEdits edits = new GuestEdits(m);
        try {
            for (Step s : steps) {
                s.run(edits, os);
            }
        } finally {
            for (String n : edits.notes()) {
                err.println("platter: warning: " + n);
            }
        }
    }
}
