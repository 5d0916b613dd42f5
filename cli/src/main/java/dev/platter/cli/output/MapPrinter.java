package dev.platter.cli.output;

import dev.platter.operation.MapEntry;

import java.io.PrintWriter;

/** Prints {@code map} rows exactly as qemu-img 7.2 does, in its human and JSON forms. */
public final class MapPrinter {
    /** What qemu-img says when the human form meets data without a host offset. */
    public static final String NO_OFFSET = "File contains external, encrypted or compressed clusters.";

    private MapPrinter() {
    }

    public static final String HUMAN_HEADER = String.format("%-16s%-16s%-16s%s", "Offset", "Length", "Mapped to",
            "File");

    /** One human row, or "" for rows the human form leaves out (anything but data). */
    public static String human(MapEntry e) {
        if (!e.data() || e.zero()) {
            return "";
        }
        return hex(e.start()) + hex(e.length()) + hex(e.hasOffset() ? e.offset() : 0)
                + (e.filename() == null ? "" : e.filename()) + "\n";
    }

    /** C's {@code %#-16x}: 0x-prefixed hex, left-aligned in 16 columns, and a bare "0" for zero. */
    private static String hex(long v) {
        String s = v == 0 ? "0" : "0x" + Long.toHexString(v);
        return s.length() >= 16 ? s : s + " ".repeat(16 - s.length());
    }

    /** One JSON row (without the separators between rows). */
    public static String json(MapEntry e) {
        StringBuilder sb = new StringBuilder("{ \"start\": ").append(e.start())
                .append(", \"length\": ").append(e.length())
                .append(", \"depth\": ").append(e.depth())
                .append(", \"present\": ").append(e.present())
                .append(", \"zero\": ").append(e.zero())
                .append(", \"data\": ").append(e.data());
        if (e.hasOffset()) {
            sb.append(", \"offset\": ").append(e.offset());
        }
        return sb.append('}').toString();
    }

    /** Streams JSON rows: "[" before the first, ",\n" between rows, "]\n" after the last. */
    public static final class JsonStream {
        private final PrintWriter out;
        private boolean first = true;

        public JsonStream(PrintWriter out) {
            this.out = out;
        }

        public void row(MapEntry e) {
            out.print(first ? "[" : ",\n");
            first = false;
            out.print(json(e));
        }

        public void end() {
            if (first) {
                out.print("[");
            }
            out.print("]\n");
        }
    }
}
