package dev.platter.cli.output;

/** CSV fields as the libguestfs tools quote them: only fields holding a space, '"', ',' or a newline. */
public final class Csv {
    private Csv() {
    }

    public static String field(String s) {
        if (s == null) {
            return "";
        }
        boolean quote = false;
        for (int i = 0; i < s.length() && !quote; i++) {
            char c = s.charAt(i);
            quote = c == ' ' || c == '"' || c == '\n' || c == ',';
        }
        return quote ? '"' + s.replace("\"", "\"\"") + '"' : s;
    }
}
