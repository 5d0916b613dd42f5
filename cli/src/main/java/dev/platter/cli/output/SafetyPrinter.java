package dev.platter.cli.output;

import dev.platter.core.image.SafetyFinding;
import dev.platter.core.image.SafetyReport;

import java.util.Locale;

/**
 * Prints a {@link SafetyReport} ({@code check --safety}). Human: a verdict line, then one indented line per finding.
 * JSON (keys in this order, four-space indent): {@code filename}, {@code format} (left out when the image was not
 * looked at), {@code safe}, {@code findings}: objects with {@code category} (reference, feature, format, structure,
 * path), for references {@code kind} (backing-file, data-file, extent) and {@code reference} (the name as stored),
 * and {@code message}.
 */
public final class SafetyPrinter {
    private SafetyPrinter() {
    }

    public static String human(SafetyReport r) {
        StringBuilder sb = new StringBuilder(r.filename());
        if (r.format() != null) {
            sb.append(" (").append(r.format()).append(')');
        }
        sb.append(r.safe() ? ": safe\n" : ": unsafe\n");
        for (SafetyFinding f : r.findings()) {
            sb.append("  ").append(lower(f.category())).append(": ").append(f.message()).append('\n');
        }
        return sb.toString();
    }

    public static String json(SafetyReport r) {
        StringBuilder sb = new StringBuilder("{\n");
        member(sb, 1, "filename").append(quoted(r.filename())).append(",\n");
        if (r.format() != null) {
            member(sb, 1, "format").append(quoted(r.format())).append(",\n");
        }
        member(sb, 1, "safe").append(r.safe()).append(",\n");
        member(sb, 1, "findings").append('[');
        for (int i = 0; i < r.findings().size(); i++) {
            SafetyFinding f = r.findings().get(i);
            sb.append(i == 0 ? "\n" : ",\n").append("        {\n");
            member(sb, 3, "category").append(quoted(lower(f.category()))).append(",\n");
            if (f.referenceKind() != null) {
                member(sb, 3, "kind").append(quoted(lower(f.referenceKind()).replace('_', '-'))).append(",\n");
                member(sb, 3, "reference").append(quoted(f.reference())).append(",\n");
            }
            member(sb, 3, "message").append(quoted(f.message())).append("\n        }");
        }
        sb.append(r.findings().isEmpty() ? "]\n" : "\n    ]\n").append("}\n");
        return sb.toString();
    }

    private static StringBuilder member(StringBuilder sb, int level, String key) {
        return sb.append("    ".repeat(level)).append(quoted(key)).append(": ");
    }

    private static String quoted(String s) {
        StringBuilder sb = new StringBuilder();
        QemuJson.string(sb, s);
        return sb.toString();
    }

    private static String lower(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }
}
