package dev.platter.cli.guest;

import dev.platter.cli.Main;
import dev.platter.cli.output.Stdout;

import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;

/** Runs a guest command in-process, capturing its text output, its byte output and its errors. */
final class GuestCli {
    record Result(int exit, byte[] stdout, String err) {
        String out() {
            return new String(stdout, StandardCharsets.UTF_8);
        }
    }

    private GuestCli() {
    }

    static Result run(String... args) {
        StringWriter text = new StringWriter();
        StringWriter err = new StringWriter();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Stdout.capture(bytes);
        int code;
        try (PrintWriter out = new PrintWriter(text)) {
            code = Main.run(args, out, new PrintWriter(err));
        } finally {
            Stdout.capture(null);
        }
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        all.writeBytes(text.toString().getBytes(StandardCharsets.UTF_8));
        all.writeBytes(bytes.toByteArray());
        return new Result(code, all.toByteArray(), err.toString());
    }
}
