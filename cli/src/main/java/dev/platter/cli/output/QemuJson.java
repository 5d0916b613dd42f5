package dev.platter.cli.output;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Pretty-prints JSON exactly as qemu-img 7.2 does: four spaces per level, and the members of each object in the
 * order of qemu's QDict hash table (ascending bucket; within a bucket the most recently inserted first). Callers
 * build objects as insertion-ordered maps in qemu's schema order and this class does the rest, so a golden file
 * made by qemu-img compares byte for byte.
 */
public final class QemuJson {
    private static final int BUCKETS = 512;

    private QemuJson() {
    }

    /** The document for {@code value} (a Map, List, String, Number, Boolean), ending with a newline. */
    public static String print(Object value) {
        StringBuilder sb = new StringBuilder();
        write(sb, value, 0);
        return sb.append('\n').toString();
    }

    /** qemu's QDict bucket of a key (tdb_hash, then the table size). */
    static int bucket(String key) {
        byte[] b = key.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        int h = 0x238F13AF * b.length;
        for (int i = 0; i < b.length; i++) {
            h += (b[i] & 0xff) << ((i * 5) % 24);
        }
        h = 1103515243 * h + 12345;
        return (int) (Integer.toUnsignedLong(h) % BUCKETS);
    }

    /** The keys of {@code map} in the order qemu prints them. */
    public static List<String> order(Map<String, ?> map) {
        List<String> keys = new ArrayList<>(map.keySet());
        List<String> inserted = List.copyOf(keys);
        keys.sort(Comparator.comparingInt(QemuJson::bucket)
                .thenComparing(k -> -inserted.indexOf(k)));
        return keys;
    }

    private static void write(StringBuilder sb, Object value, int level) {
        if (value instanceof Map<?, ?> map) {
            @SuppressWarnings("unchecked")
            Map<String, Object> m = (Map<String, Object>) map;
            sb.append('{');
            List<String> keys = order(m);
            for (int i = 0; i < keys.size(); i++) {
                sb.append(i == 0 ? "\n" : ",\n");
                indent(sb, level + 1);
                string(sb, keys.get(i));
                sb.append(": ");
                write(sb, m.get(keys.get(i)), level + 1);
            }
            sb.append('\n');
            indent(sb, level);
            sb.append('}');
        } else if (value instanceof List<?> list) {
            sb.append('[');
            for (int i = 0; i < list.size(); i++) {
                sb.append(i == 0 ? "\n" : ",\n");
                indent(sb, level + 1);
                write(sb, list.get(i), level + 1);
            }
            sb.append('\n');
            indent(sb, level);
            sb.append(']');
        } else if (value instanceof String s) {
            string(sb, s);
        } else if (value == null) {
            sb.append("null");
        } else {
            sb.append(value);
        }
    }

    private static void indent(StringBuilder sb, int level) {
        sb.append("    ".repeat(level));
    }

    /** A JSON string with qemu's escapes (control characters as \\uXXXX, '/' left alone). */
    public static void string(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        sb.append(String.format("\\u%04X", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}
