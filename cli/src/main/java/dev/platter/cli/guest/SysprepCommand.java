package dev.platter.cli.guest;

import java.util.List;

import dev.platter.inspect.ops.GuestEdits;

import dev.platter.inspect.guest.OsInfo;

import dev.platter.inspect.guest.Guest;
import dev.platter.inspect.guest.Mounts;
import dev.platter.inspect.ops.Sysprep;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.EnumSet;
import java.util.Set;

/**
 * {@code platter sysprep}: part of virt-sysprep. The operations Platter has (machine-id, ssh-hostkeys, logfiles,
 * bash-history, udev-persistent-net), all by default; {@code --operations} (or {@code --enable}) picks some, naming
 * any other operation is refused by name.
 */
@Command(name = "sysprep", sortOptions = false, description = "Reset a guest so clones can be made from it "
        + "(part of virt-sysprep).")
public final class SysprepCommand extends GuestWriteCommand {
    @Option(names = {"--operations", "--operation", "--enable"}, paramLabel = "OPERATIONS", split = ",",
            description = "The operations to run (default: all): machine-id, ssh-hostkeys, logfiles, bash-history,"
                    + " udev-persistent-net.")
    java.util.List<String> operations;

    @Option(names = "--hostname", paramLabel = "HOSTNAME", description = "Then set the hostname, as customize"
            + " --hostname does (virt-sysprep's --hostname).")
    String hostname;

    @Option(names = "--list-operations", description = "List the operations and exit.")
    boolean list;

    @Option(names = {"-v", "--verbose"}, description = "Name every file removed or emptied.")
    boolean verbose;

    private final Set<Sysprep.Operation> chosen = EnumSet.noneOf(Sysprep.Operation.class);

    @Override
    public Integer call() throws Exception {
        if (list) {
            PrintWriter out = spec.commandLine().getOut();
            for (Sysprep.Operation o : Sysprep.Operation.values()) {
                out.println(o.id() + " * " + o.description());
            }
            out.flush();
            return 0;
        }
        return super.call();
    }

    @Override
    void check() throws IOException {
        if (operations == null || operations.isEmpty()) {
            chosen.addAll(EnumSet.allOf(Sysprep.Operation.class));
            return;
        }
        for (String o : operations) {
            if (!o.isBlank()) {
                chosen.add(Sysprep.Operation.of(o));
            }
        }
    }

    @Override
    String name() {
        return "sysprep";
    }

    @Override
    void write(Guest g, Mounts m, PrintWriter err) throws IOException {
        Sysprep s = new Sysprep(m);
        PrintWriter out = spec.commandLine().getOut();
        for (Sysprep.Operation o : Sysprep.Operation.values()) {
            if (!chosen.contains(o)) {
                continue;
            }
            out.println("Performing \"" + o.id() + "\" ...");
            out.flush();
            int before = s.done().size();
            s.run(o);
            if (verbose) {
                for (String d : s.done().subList(before, s.done().size())) {
                    out.println("  " + d);
                }
            }
        }
        if (hostname != null) {
            // virt-sysprep runs its customize options (--hostname among them) after the operations that remove.
            out.println("Performing \"customize\" ...");
            out.flush();
            OsInfo os = null;
            if (!guest.hasMounts()) {
                List<OsInfo> roots = g.inspect();
                os = roots.size() == 1 ? roots.get(0) : null;
            }
            GuestEdits edits = new GuestEdits(m);
            edits.hostname(hostname, os);
            for (String n : edits.notes()) {
                err.println("platter: warning: " + n);
            }
        }
        out.flush();
    }
}
