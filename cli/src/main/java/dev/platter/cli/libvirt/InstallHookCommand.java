package dev.platter.cli.libvirt;

import dev.platter.cli.CliException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code platter libvirt install-hook}: writes {@code qemu.d/50-platter} under libvirt's hook folder, a shell script
 * that runs {@code platter libvirt hook} at {@code prepare} only (every other call exits at once, after reading its
 * stdin), so an existing {@code qemu} hook is left alone.
 */
@Command(name = "install-hook", sortOptions = false,
        description = "Install the guard hook under /etc/libvirt/hooks/qemu.d/ (refuses to start guests whose disks"
                + " do not match their declared format, leave the allowed folders or fail check).")
public final class InstallHookCommand implements Callable<Integer> {
    static final String NAME = "50-platter";

    @Spec
    CommandSpec spec;

    @Option(names = "--hooks-dir", paramLabel = "DIR", defaultValue = "/etc/libvirt/hooks",
            description = "libvirt's hook folder (default /etc/libvirt/hooks).")
    Path hooksDir;

    @Option(names = "--allow", paramLabel = "DIR",
            description = "A folder guest images may live in, backing files included (repeatable; default"
                    + " /var/lib/libvirt/images).")
    List<Path> allowed = new ArrayList<>();

    @Option(names = "--command", paramLabel = "CMD",
            description = "How the hook runs Platter (default: this Java and this jar).")
    String command;

    @Override
    public Integer call() throws Exception {
        if (allowed.isEmpty()) {
            allowed.add(Path.of("/var/lib/libvirt/images"));
        }
        String run = command != null ? command : thisPlatter();
        StringBuilder allow = new StringBuilder();
        for (Path p : allowed) {
            allow.append(" --allow ").append(shellQuote(p.toAbsolutePath().normalize().toString()));
        }
        String script = "#!/bin/sh\n"
                + "# Installed by 'platter libvirt install-hook': refuses at prepare to start a guest whose disks do\n"
                + "# not match their declared <driver type>, leave the allowed folders, or fail check.\n"
                + "# Every other call exits at once; stdin (the domain XML) is always read to its end.\n"
                + "case \"$2\" in\n"
                + "  prepare) exec " + run + " libvirt hook" + allow + " -- qemu \"$@\" ;;\n"
                + "esac\n"
                + "cat >/dev/null\n"
                + "exit 0\n";
        Path dir = hooksDir.resolve("qemu.d");
        Files.createDirectories(dir);
        Path hook = dir.resolve(NAME);
        Path staged = dir.resolve("." + NAME + ".new");
        Files.writeString(staged, script);
        Files.setPosixFilePermissions(staged, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.move(staged, hook, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        spec.commandLine().getOut().println("Installed " + hook + " (allowed folders: " + String.join(", ",
                allowed.stream().map(Path::toString).toList()) + "). libvirtd finds a new hook folder only when it"
                + " starts: restart it once.");
        return 0;
    }

    /** The running JVM and jar, with options for a short-lived tool. */
    private static String thisPlatter() {
        String java = ProcessHandle.current().info().command().orElse("java");
        Path jar;
        try {
            jar = Path.of(InstallHookCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (Exception e) {
            throw new CliException("cannot tell where Platter's jar is: pass --command");
        }
        if (!jar.toString().endsWith(".jar")) {
            throw new CliException("Platter does not run from a jar (" + jar + "): pass --command");
        }
        // The launcher's class-data archive, when it has made one, halves the JVM's start (the hook runs at every
        // guest start); the launcher itself is not used: it may rebuild the jar, which a hook must never do.
        Path archive = jar.resolveSibling("platter.jsa");
        String cds = Files.exists(archive) ? " -XX:SharedArchiveFile=" + shellQuote(archive.toString())
                + " -Xlog:cds=off -Xlog:cds+dynamic=off" : "";
        return shellQuote(java) + " -XX:+UseSerialGC -XX:TieredStopAtLevel=1" + cds + " -jar " + shellQuote(
                jar.toString());
    }

    static String shellQuote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }
}
