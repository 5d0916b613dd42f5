package dev.platter.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/** Runs {@code platter} in-process for tests and captures its exit status and output. */
final class Cli {
    record Result(int exit, String out, String err) {
    }

    private Cli() {
    }

    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out), new PrintWriter(err));
        return new Result(code, out.toString(), err.toString());
    }
}
