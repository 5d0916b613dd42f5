package dev.platter.cli;

import dev.platter.cli.output.InfoPrinter;
import dev.platter.core.crypto.Secrets;
import dev.platter.core.image.Image;
import dev.platter.core.image.SnapshotInfo;
import dev.platter.core.image.capability.InternalSnapshots;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code platter snapshot}: qemu-img snapshot -l, -c, -a, -d on internal snapshots. */
@Command(name = "snapshot", sortOptions = false, description = "List, create, apply or delete internal snapshots.")
final class SnapshotCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    UntrustedOption untrusted;

    @Mixin
    ImageArgs images;

    @Option(names = "-l", description = "List the snapshots.")
    boolean list;

    @Option(names = "-c", paramLabel = "SNAPSHOT", description = "Create a snapshot.")
    String create;

    @Option(names = "-a", paramLabel = "SNAPSHOT", description = "Apply a snapshot (revert the disk to it).")
    String apply;

    @Option(names = "-d", paramLabel = "SNAPSHOT", description = "Delete a snapshot.")
    String delete;

    @Option(names = "-f", paramLabel = "FMT", description = "Image format (default: probed; a Platter extension).")
    String format;

    @Option(names = "-q", description = "Quiet.")
    boolean quiet;

    @Option(names = {"-U", "--force-share"}, description = "Share the image with other users (take only "
            + "the read lock); with -l only.")
    boolean forceShare;

    @Parameters(index = "0", paramLabel = "FILENAME")
    String filename;

    @Override
    public Integer call() throws Exception {
        try (Secrets secrets = images.secrets()) { // wiped when the command is done
            return run();
        }
    }

    private Integer run() throws Exception {
        images.refuseFormats(format);
        int actions = (list ? 1 : 0) + (create != null ? 1 : 0) + (apply != null ? 1 : 0) + (delete != null ? 1 : 0);
        if (actions > 1) {
            throw new CliException("Cannot mix '-l', '-a', '-c', '-d'");
        }
        if (actions == 0) {
            return 0; // as qemu-img: without an action nothing happens
        }
        boolean listing = list;
        try (Image image = ImageOpener.open(images.image(filename, format), listing, false, forceShare,
                untrusted.on())) {
            InternalSnapshots q = image.capability(InternalSnapshots.class).orElse(null);
            if (listing) {
                List<SnapshotInfo> snaps = q == null ? List.of() : q.snapshots();
                if (!snaps.isEmpty()) {
                    PrintWriter out = spec.commandLine().getOut();
                    out.print("Snapshot list:\n" + InfoPrinter.snapshotTable(snaps));
                    out.flush();
                }
                return 0;
            }
            if (create != null) {
                if (q == null) {
                    throw new CliException("Could not create snapshot '" + create + "': -95 (Operation not supported)");
                }
                q.createSnapshot(create);
            } else if (apply != null) {
                if (q == null || !q.applySnapshot(apply)) {
                    throw new CliException("Could not apply snapshot '" + apply + "': Failed to load snapshot: "
                            + (q == null ? "Operation not supported" : "No such file or directory"));
                }
            } else {
                String id = null;
                if (q != null) {
                    for (SnapshotInfo s : q.snapshots()) {
                        if (s.name().equals(delete)) {
                            id = s.id();
                            break;
                        }
                    }
                }
                if (id == null || !q.deleteSnapshot(id)) {
                    throw new CliException("Could not delete snapshot '" + delete + "': "
                            + (q == null ? "Operation not supported" : "snapshot not found"));
                }
            }
            return 0;
        }
    }
}
