package dev.platter.cli;

import picocli.CommandLine;

import java.io.PrintWriter;

/**
 * The {@code platter} command. Only the subcommand being run is instantiated (see {@link Commands}), so that
 * start-up stays small; errors print as one line ("platter: ...") with exit status 1, and a stack trace only
 * with {@code --debug}.
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) throws java.io.IOException {
        if (Boolean.getBoolean("platter.cds.training")) {
            CdsTraining.run();
            return;
        }
        int code = run(args, new PrintWriter(System.out, false), new PrintWriter(System.err, true));
        System.exit(code);
    }

    /** Runs one command line; returns its exit status. Output goes to {@code out} and {@code err}. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        boolean debug = false;
        for (String a : args) {
            if (a.equals("--")) {
                break;
            }
            if (a.equals("--debug")) {
                debug = true;
            }
        }
        CommandLine cli = Commands.commandLine(args);
        cli.setOut(out);
        cli.setErr(err);
        ErrorReporter reporter = new ErrorReporter(debug);
        cli.setParameterExceptionHandler(reporter);
        cli.setExecutionExceptionHandler(reporter);
        try {
            return cli.execute(args);
        } finally {
            out.flush();
            err.flush();
        }
    }
}
