package dev.platter.cli;

import dev.platter.core.storage.ImageLockedException;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.util.regex.Pattern;

/** Turns exceptions into the one-line "platter: message" form, with a stack trace only when debugging. */
final class ErrorReporter implements CommandLine.IParameterExceptionHandler, CommandLine.IExecutionExceptionHandler {
    private final boolean debug;

    ErrorReporter(boolean debug) {
        this.debug = debug;
    }

    @Override
    public int handleParseException(CommandLine.ParameterException ex, String[] args) {
        PrintWriter err = ex.getCommandLine().getErr();
        err.println(hideSecrets("platter: " + parseMessage(ex, args), args));
        err.println("Try 'platter " + commandPath(ex.getCommandLine()) + "--help' for more information.");
        if (debug) {
            err.print(hideSecrets(stackTrace(ex), args));
        }
        return 1;
    }

    @Override
    public int handleExecutionException(Exception ex, CommandLine cmd, CommandLine.ParseResult parseResult) {
        PrintWriter out = cmd.getOut();
        out.flush();
        PrintWriter err = cmd.getErr();
        String[] args = parseResult.originalArgs().toArray(new String[0]);
        err.println(hideSecrets("platter: " + message(ex), args));
        String hint = hint(ex);
        if (hint != null) {
            err.println(hint);
        }
        if (debug) {
            err.print(hideSecrets(stackTrace(ex), args));
        }
        err.flush();
        return ex instanceof CliException c ? c.exitCode() : 1;
    }

    /** picocli's message, except for an unknown command, which gets a suggestion instead of "Unmatched argument". */
    static String parseMessage(CommandLine.ParameterException ex, String[] args) {
        if (ex instanceof CommandLine.UnmatchedArgumentException u && ex.getCommandLine().getParent() == null
                && args.length > 0 && !args[0].startsWith("-") && u.getUnmatched().size() > 0
                && u.getUnmatched().get(0).equals(args[0])) {
            // picocli's nearest names, kept only when they start as the typed word does (else it is no typo).
            String typed = args[0];
            String near = u.getSuggestions().stream()
                    .filter(n -> typed.length() >= 3 && n.startsWith(typed.substring(0, 3)))
                    .findFirst().orElse(null);
            return "'" + typed + "' is not a platter command" + (near == null ? "" : "; did you mean '" + near + "'?");
        }
        return ex.getMessage();
    }

    /** {@code --object secret,...,data=PASSPHRASE}: the value, up to the next comma that is not doubled. */
    private static final Pattern SECRET_DATA = Pattern.compile("(?<=data=)(?:[^,]|,,)*");

    /**
     * {@code text} without the passphrase of any {@code --object ...data=...} argument: picocli quotes arguments it
     * cannot place, and a secret must not reach the terminal or a log that way.
     */
    static String hideSecrets(String text, String[] args) {
        for (String a : args) {
            if (a.contains("data=") && text.contains(a)) {
                text = text.replace(a, SECRET_DATA.matcher(a).replaceAll("(hidden)"));
            }
        }
        return text;
    }

    private static String stackTrace(Throwable ex) {
        java.io.StringWriter sw = new java.io.StringWriter();
        ex.printStackTrace(new PrintWriter(sw));
        return sw.toString();
    }

    /** A message that stands on its own on one line. */
    static String message(Throwable ex) {
        if (ex instanceof NoSuchFileException e) {
            return e.getFile() + ": No such file or directory";
        }
        if (ex instanceof AccessDeniedException e) {
            return e.getFile() + ": Permission denied";
        }
        String msg = ex.getMessage();
        if (msg == null || msg.isBlank()) {
            msg = ex.getClass().getSimpleName();
        }
        if (ex instanceof OutOfMemoryError) {
            msg = "out of memory (" + msg + ")";
        }
        return msg.replace('\n', ' ');
    }

    private static final Pattern UNKNOWN_FORMAT = Pattern.compile("Unknown (file format|driver) '[^']*'");

    /**
     * The second line after some errors: qemu-img's (a lock held by another process), or Platter's own (the formats
     * it knows, after an unknown format name: qemu-img prints none).
     */
    static String hint(Throwable ex) {
        for (Throwable t = ex; t != null; t = t.getCause()) {
            if (t instanceof ImageLockedException locked) {
                return locked.hint();
            }
        }
        if (ex.getMessage() != null && UNKNOWN_FORMAT.matcher(ex.getMessage()).find()) {
            return FormatList.line();
        }
        return null;
    }

    private static String commandPath(CommandLine cmd) {
        StringBuilder sb = new StringBuilder();
        for (CommandLine c = cmd; c.getParent() != null; c = c.getParent()) {
            sb.insert(0, c.getCommandName() + " ");
        }
        return sb.toString();
    }
}
