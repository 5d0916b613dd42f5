package dev.platter.cli.libvirt;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code platter libvirt ...}: what Platter writes, handed to libvirt with its formats declared. */
@Command(name = "libvirt", sortOptions = false,
        description = "Disk and volume XML for images, a shut-off guest's disk converted in place of the old one,"
                + " clones, and a start-up guard hook for libvirt's qemu driver.",
        footer = {"", "Run 'platter libvirt COMMAND --help' for a command's options."},
        subcommands = {DiskXmlCommand.class, VolumeXmlCommand.class, ConvertDiskCommand.class, CloneCommand.class,
                InstallHookCommand.class, HookCommand.class})
public final class LibvirtCommand implements Runnable {
    @Spec
    CommandSpec spec;

    /** Without a subcommand: the list of them. */
    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
