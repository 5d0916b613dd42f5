package dev.platter.cli.libvirt;

import dev.platter.core.ProgressListener;
import dev.platter.libvirt.CloneDomain;
import dev.platter.libvirt.CloneOptions;
import dev.platter.libvirt.VirshSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code platter libvirt clone -o SRC -n NEW}: virt-clone's disk work, full copies or linked qcow2 overlays. */
@Command(name = "clone", sortOptions = false,
        description = "Clone a shut-off domain: new name, UUID, MAC addresses and disk images (like virt-clone).")
public final class CloneCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = {"-o", "--original"}, paramLabel = "SRC", required = true, description = "The domain to clone.")
    String source;

    @Option(names = {"-n", "--name"}, paramLabel = "NEW", required = true, description = "The new domain's name.")
    String name;

    @Option(names = {"-f", "--file"}, paramLabel = "PATH",
            description = "New image path, one per writable disk in order (default: next to the source, named NEW).")
    List<Path> files = List.of();

    @Option(names = "--linked", description = "qcow2 overlays backed by the source's images instead of full copies.")
    boolean linked;

    @Option(names = "--connect", paramLabel = "URI", description = "libvirt URI (default: virsh's).")
    String connect;

    @Override
    public Integer call() throws Exception {
        List<Path> made;
        try (VirshSession libvirt = VirshSession.open(connect)) {
            made = new CloneDomain(libvirt, new CloneOptions(source, name, files, linked)).run(ProgressListener.NONE);
        }
        spec.commandLine().getOut().println("Domain '" + name + "' defined from '" + source + "'" + (made.isEmpty()
                ? "" : ", disks: " + String.join(", ", made.stream().map(Path::toString).toList())));
        return 0;
    }
}
