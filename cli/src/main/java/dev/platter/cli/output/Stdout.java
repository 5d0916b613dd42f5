package dev.platter.cli.output;

import java.io.BufferedOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;

/**
 * Standard output as bytes, for commands whose output is not text (cat, tar-out) or holds the guest's file names
 * as they are (ls). Tests capture it with {@link #capture}.
 */
public final class Stdout {
    private static final ThreadLocal<OutputStream> OVERRIDE = new ThreadLocal<>();

    private Stdout() {
    }

    /** The stream to write to; the caller flushes it and never closes it. */
    public static OutputStream bytes() {
        OutputStream o = OVERRIDE.get();
        if (o != null) {
            return o;
        }
        return new BufferedOutputStream(new NonClosing(System.out), 1 << 16);
    }

    /** Redirects this thread's byte output (null restores System.out). */
    public static void capture(OutputStream out) {
        if (out == null) {
            OVERRIDE.remove();
        } else {
            OVERRIDE.set(out);
        }
    }

    private static final class NonClosing extends java.io.FilterOutputStream {
        NonClosing(PrintStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws java.io.IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws java.io.IOException {
            flush();
        }
    }
}
