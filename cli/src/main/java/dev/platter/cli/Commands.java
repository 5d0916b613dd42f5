package dev.platter.cli;

import picocli.CommandLine;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The table of subcommands. When the first argument names one of them, only that one is built; help and
 * version build them all. Add a new command here, in the order it should appear in {@code --help}.
 */
final class Commands {
    private static final Map<String, Supplier<Object>> COMMANDS = new LinkedHashMap<>();

    static {
        COMMANDS.put("create", CreateCommand::new);
        COMMANDS.put("info", InfoCommand::new);
        COMMANDS.put("convert", ConvertCommand::new);
        COMMANDS.put("map", MapCommand::new);
        COMMANDS.put("compare", CompareCommand::new);
        COMMANDS.put("measure", MeasureCommand::new);
        COMMANDS.put("dd", DdCommand::new);
        COMMANDS.put("rebase", RebaseCommand::new);
        COMMANDS.put("commit", CommitCommand::new);
        COMMANDS.put("check", CheckCommand::new);
        COMMANDS.put("snapshot", SnapshotCommand::new);
        COMMANDS.put("resize", ResizeCommand::new);
        COMMANDS.put("amend", AmendCommand::new);
        COMMANDS.put("filesystems", dev.platter.cli.guest.FilesystemsCommand::new);
        COMMANDS.put("df", dev.platter.cli.guest.DfCommand::new);
        COMMANDS.put("ls", dev.platter.cli.guest.LsCommand::new);
        COMMANDS.put("cat", dev.platter.cli.guest.CatCommand::new);
        COMMANDS.put("copy-out", dev.platter.cli.guest.CopyOutCommand::new);
        COMMANDS.put("tar-out", dev.platter.cli.guest.TarOutCommand::new);
        COMMANDS.put("inspector", dev.platter.cli.guest.InspectorCommand::new);
        COMMANDS.put("copy-in", dev.platter.cli.guest.CopyInCommand::new);
        COMMANDS.put("tar-in", dev.platter.cli.guest.TarInCommand::new);
        COMMANDS.put("mkdir", dev.platter.cli.guest.MkdirCommand::new);
        COMMANDS.put("write", dev.platter.cli.guest.WriteCommand::new);
        COMMANDS.put("rm", dev.platter.cli.guest.RmCommand::new);
        COMMANDS.put("ln", dev.platter.cli.guest.LnCommand::new);
        COMMANDS.put("chmod", dev.platter.cli.guest.ChmodCommand::new);
        COMMANDS.put("chown", dev.platter.cli.guest.ChownCommand::new);
        COMMANDS.put("touch", dev.platter.cli.guest.TouchCommand::new);
        COMMANDS.put("edit", dev.platter.cli.guest.EditCommand::new);
        COMMANDS.put("customize", dev.platter.cli.guest.CustomizeCommand::new);
        COMMANDS.put("sysprep", dev.platter.cli.guest.SysprepCommand::new);
        COMMANDS.put("libvirt", dev.platter.cli.libvirt.LibvirtCommand::new);
    }

    private Commands() {
    }

    static CommandLine commandLine(String[] args) {
        CommandLine root = new CommandLine(new PlatterCommand());
        String first = firstCommandWord(args);
        Supplier<Object> only = first == null ? null : COMMANDS.get(first);
        if (only != null) {
            root.addSubcommand(first, only.get());
        } else if (first == null && onlyAsksForTheVersion(List.of(args))) {
            // The version needs no command at all.
        } else {
            COMMANDS.forEach((name, factory) -> root.addSubcommand(name, factory.get()));
        }
        // Every command answers --help (and -h), nested ones (platter libvirt disk-xml) too.
        root.getSubcommands().values().forEach(Commands::withHelp);
        return root;
    }

    private static void withHelp(CommandLine command) {
        command.getCommandSpec().mixinStandardHelpOptions(true);
        command.getSubcommands().values().forEach(Commands::withHelp);
    }

    private static boolean onlyAsksForTheVersion(List<String> args) {
        return (args.contains("--version") || args.contains("-V")) && !args.contains("--help") && !args.contains("-h");
    }

    private static String firstCommandWord(String[] args) {
        for (String a : args) {
            if (!a.startsWith("-")) {
                return a;
            }
        }
        return null;
    }
}
