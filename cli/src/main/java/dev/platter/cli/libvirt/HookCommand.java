package dev.platter.cli.libvirt;

import dev.platter.libvirt.GuardHook;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code platter libvirt hook qemu GUEST OPERATION SUB EXTRA}: what the installed qemu hook runs, with the domain
 * XML on stdin. At {@code prepare} it refuses (exit 1, one line per disk on stderr, which libvirt logs and shows)
 * disks that {@link GuardHook} refuses; every other call exits 0. stdin is always read to its end.
 */
@Command(name = "hook", hidden = true, description = "The qemu hook itself (run by libvirtd; see install-hook).")
public final class HookCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "DRIVER")
    String driver;

    @Parameters(index = "1..*", paramLabel = "ARGS", description = "GUEST OPERATION SUB-OPERATION EXTRA")
    List<String> args = List.of();

    @Option(names = "--allow", paramLabel = "DIR", description = "A folder images may live in (repeatable).")
    List<Path> allowed = List.of();

    /** Where the XML comes from; System.in except in tests. */
    static InputStream stdin = System.in;

    @Override
    public Integer call() throws Exception {
        String xml = new String(stdin.readAllBytes(), StandardCharsets.UTF_8);
        String operation = args.size() > 1 ? args.get(1) : "";
        if (!driver.equals("qemu") || !operation.equals("prepare")) {
            return 0;
        }
        List<String> refusals = new GuardHook(allowed).refusals(xml);
        if (refusals.isEmpty()) {
            return 0;
        }
        // libvirt shows the first stderr line to the user who ran start: make it the whole story.
        PrintWriter err = spec.commandLine().getErr();
        String guest = args.isEmpty() ? "?" : args.get(0);
        err.println("platter hook refused to start '" + guest + "': " + String.join("; ", refusals));
        return 1;
    }
}
