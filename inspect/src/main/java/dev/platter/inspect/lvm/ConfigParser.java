package dev.platter.inspect.lvm;

import dev.platter.core.CorruptImageException;

import java.util.ArrayList;
import java.util.List;

/**
 * A parser for the lvm2 config syntax in which VG metadata is written (libdm-config): sections
 * {@code name { ... }}, assignments {@code key = value}, values that are integers, floats, strings (double-quoted
 * with backslash escapes, single-quoted, or bare words) and lists {@code [a, b]}, and {@code #} comments outside
 * strings. The input and the nesting depth are bounded; errors name the line.
 */
public final class ConfigParser {
    /** Longest text accepted (a default metadata area holds less than 1 MiB). */
    public static final int MAX_TEXT = 8 << 20;
    static final int MAX_DEPTH = 32;

    private final String text;
    private int pos;
    private int line = 1;

    private ConfigParser(String text) {
        this.text = text;
    }

    /** Parses a whole text; the result is the unnamed top-level section. */
    public static ConfigSection parse(String text) throws CorruptImageException {
        if (text.length() > MAX_TEXT) {
            throw new CorruptImageException("LVM2 metadata text", -1, "longer than " + MAX_TEXT + " characters");
        }
        ConfigParser p = new ConfigParser(text);
        ConfigSection top = new ConfigSection("");
        p.items(top, 0);
        p.skipSpace();
        if (p.pos < text.length()) {
            throw p.error("unexpected '" + text.charAt(p.pos) + "'");
        }
        return top;
    }

    private void items(ConfigSection into, int depth) throws CorruptImageException {
        if (depth > MAX_DEPTH) {
            throw error("sections nested deeper than " + MAX_DEPTH);
        }
        while (true) {
            skipSpace();
            if (pos >= text.length() || text.charAt(pos) == '}') {
                return;
            }
            int at = line;
            String key = identifier();
            skipSpace();
            if (pos >= text.length()) {
                throw error("'" + key + "' is followed by nothing");
            }
            char c = text.charAt(pos);
            if (c == '{') {
                pos++;
                ConfigSection child = new ConfigSection(key);
                items(child, depth + 1);
                skipSpace();
                if (pos >= text.length() || text.charAt(pos) != '}') {
                    throw error("section '" + key + "' is not closed");
                }
                pos++;
                into.put(child, at);
            } else if (c == '=') {
                pos++;
                into.put(key, value(depth), at);
            } else {
                throw error("expected '=' or '{' after '" + key + "'");
            }
        }
    }

    private ConfigValue value(int depth) throws CorruptImageException {
        skipSpace();
        if (pos >= text.length()) {
            throw error("a value is missing");
        }
        char c = text.charAt(pos);
        if (c == '[') {
            if (depth > MAX_DEPTH) {
                throw error("lists nested deeper than " + MAX_DEPTH);
            }
            pos++;
            List<ConfigValue> values = new ArrayList<>();
            skipSpace();
            if (pos < text.length() && text.charAt(pos) == ']') {
                pos++;
                return new ConfigValue.Array(values);
            }
            while (true) {
                values.add(value(depth + 1));
                skipSpace();
                if (pos >= text.length()) {
                    throw error("a list is not closed");
                }
                char d = text.charAt(pos++);
                if (d == ']') {
                    return new ConfigValue.Array(values);
                }
                if (d != ',') {
                    throw error("expected ',' or ']' in a list, found '" + d + "'");
                }
            }
        }
        if (c == '"') {
            return new ConfigValue.Str(doubleQuoted());
        }
        if (c == '\'') {
            int end = text.indexOf('\'', pos + 1);
            if (end < 0) {
                throw error("a string is not closed");
            }
            String s = text.substring(pos + 1, end);
            countLines(pos, end);
            pos = end + 1;
            return new ConfigValue.Str(s);
        }
        String word = bareWord();
        if (word.isEmpty()) {
            throw error("unexpected '" + c + "'");
        }
        return number(word);
    }

    private ConfigValue number(String word) {
        try {
            return new ConfigValue.Int(Long.parseLong(word));
        } catch (NumberFormatException e) {
            // not an integer
        }
        if (word.matches("[-+]?[0-9]+\\.[0-9]*([eE][-+]?[0-9]+)?")) {
            return new ConfigValue.Real(Double.parseDouble(word));
        }
        return new ConfigValue.Str(word);
    }

    private String doubleQuoted() throws CorruptImageException {
        StringBuilder sb = new StringBuilder();
        int start = line;
        pos++;
        while (pos < text.length()) {
            char c = text.charAt(pos++);
            if (c == '"') {
                return sb.toString();
            }
            if (c == '\\') {
                if (pos >= text.length()) {
                    break;
                }
                c = text.charAt(pos++);
            }
            if (c == '\n') {
                line++;
            }
            sb.append(c);
        }
        throw new CorruptImageException("LVM2 metadata text", -1, "line " + start + ": a string is not closed");
    }

    private String identifier() throws CorruptImageException {
        String word = bareWord();
        if (word.isEmpty()) {
            throw error("expected a name, found '" + text.charAt(pos) + "'");
        }
        return word;
    }

    private String bareWord() {
        int start = pos;
        while (pos < text.length() && isWordChar(text.charAt(pos))) {
            pos++;
        }
        return text.substring(start, pos);
    }

    private static boolean isWordChar(char c) {
        return !Character.isWhitespace(c) && "{}[]=,\"'#".indexOf(c) < 0;
    }

    private void skipSpace() {
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c == '\n') {
                line++;
                pos++;
            } else if (Character.isWhitespace(c)) {
                pos++;
            } else if (c == '#') {
                while (pos < text.length() && text.charAt(pos) != '\n') {
                    pos++;
                }
            } else {
                return;
            }
        }
    }

    private void countLines(int from, int to) {
        for (int i = from; i < to; i++) {
            if (text.charAt(i) == '\n') {
                line++;
            }
        }
    }

    private CorruptImageException error(String problem) {
        return new CorruptImageException("LVM2 metadata text", -1, "line " + line + ": " + problem);
    }
}
