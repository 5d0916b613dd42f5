package dev.platter.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/** Runs {@code platter} in-process for tests and captures its exit status and output. */
final class Cli {
    record Result(int exit, String out, String err) {
    }

    private Cli() {
    }

    /**
     * Standard error without the one line Platter adds to qemu-img's messages on purpose (docs/cli.md): the formats
     * it knows, after an unknown format name.
     */
    static String withoutFormatsHint(String err) {
        return err.replaceAll("(?m)^Formats: read and written: .*\\R?", "");
    }

    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out), new PrintWriter(err));
        return new Result(code, out.toString(), err.toString());
    }
}
