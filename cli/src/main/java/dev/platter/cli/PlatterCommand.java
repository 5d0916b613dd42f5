package dev.platter.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The top-level command: options common to every subcommand, help and version. */
@Command(name = "platter", mixinStandardHelpOptions = true, versionProvider = PlatterCommand.Version.class,
        synopsisSubcommandLabel = "COMMAND",
        description = "Disk images and the guest filesystems inside them: what qemu-img and the virt-* tools do, "
                + "in pure Java.",
        footer = {"", "Run 'platter COMMAND --help' for a command's options."})
public final class PlatterCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--debug", description = "Print stack traces with errors.", scope = CommandLine.ScopeType.INHERIT)
    boolean debug;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Reads the version stamped into the jar at build time. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() throws IOException {
            Properties p = new Properties();
            try (InputStream in = PlatterCommand.class.getResourceAsStream("version.properties")) {
                if (in != null) {
                    p.load(in);
                }
            }
            return new String[] {"platter " + p.getProperty("version", "unknown")};
        }
    }
}
