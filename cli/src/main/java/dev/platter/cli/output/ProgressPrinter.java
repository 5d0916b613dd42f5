package dev.platter.cli.output;

import dev.platter.core.ProgressListener;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * Draws {@code -p} progress on stdout: a bar redrawn in place on a terminal; elsewhere qemu-img's own form,
 * {@code "    (42.00/100%)\r"}, printed when the value moved by more than a percent (and at 0 and 100, as qemu-img does).
 * Thread-safe.
 */
public final class ProgressPrinter implements ProgressListener {
    private static final int BAR = 40;

    private final PrintWriter out;
    private final boolean terminal;
    private double lastPrinted = -1;

    public ProgressPrinter(PrintWriter out, boolean terminal) {
        this.out = out;
        this.terminal = terminal;
    }

    /** A printer for this process's stdout, drawing a bar when stdout is a terminal. */
    public static ProgressPrinter forStdout(PrintWriter out) {
        return new ProgressPrinter(out, System.console() != null);
    }

    @Override
    public synchronized void progress(long done, long total) {
        double pct = total <= 0 ? 100.0 : Math.min(100.0, 100.0 * done / total);
        // qemu's rule: 0 and 100 always, otherwise only once the value moved by more than one percent.
        if (lastPrinted >= 0 && pct != 0 && pct != 100.0 && Math.abs(pct - lastPrinted) <= 1.0) {
            return;
        }
        lastPrinted = pct;
        if (terminal) {
            int filled = (int) (pct / 100.0 * BAR);
            out.print("\r[" + "#".repeat(filled) + " ".repeat(BAR - filled) + "] "
                    + String.format(Locale.ROOT, "%5.1f%%", pct));
        } else {
            out.print(String.format(Locale.ROOT, "    (%3.2f/100%%)\r", pct));
        }
        out.flush();
    }

    /** Ends the progress line. */
    public synchronized void finish() {
        if (lastPrinted >= 0) {
            out.print("\n");
            out.flush();
        }
    }
}
