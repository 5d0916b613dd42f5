package dev.platter.inspect.ops;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The common part of virt-edit's {@code -e EXPR}: one or more Perl substitutions {@code s/REGEX/REPLACEMENT/FLAGS}
 * separated by ';', run on each line of the file in turn, the line's newline included in what they see (as Perl's
 * {@code $_} holds it). Any delimiter that is not a letter, digit, space or bracket may replace '/'.
 *
 * <p>The subset: REGEX is a {@link java.util.regex} pattern (Perl's syntax for everything common: classes,
 * quantifiers, groups, anchors, {@code \d \w \s \b}); flags {@code g} (every match), {@code i}, {@code m},
 * {@code s}; in REPLACEMENT {@code $1}..{@code $99}, {@code ${N}}, {@code $&}, and the escapes {@code \n \t \r
 * \\ \$ \@} and the escaped delimiter. Refused, by name: other flags ({@code e}, {@code x}, {@code r} ...),
 * bracketing delimiters, Perl variables and arrays in REGEX or REPLACEMENT, case escapes ({@code \U \L &#92;u &#92;l \Q
 * \E}), and any statement that is not a substitution. Lines are bytes: the expression's UTF-8 bytes are matched
 * against the file's bytes one for one, as Perl without {@code use utf8} does.
 */
public final class PerlSubstitution {
    private record Part(String literal, int group) {
    }

    private record Subst(Pattern pattern, List<Part> replacement, boolean global) {
    }

    private final List<Subst> substs;

    private PerlSubstitution(List<Subst> substs) {
        this.substs = substs;
    }

    /** Parses {@code expr}; fails naming what is outside the subset. */
    public static PerlSubstitution parse(String expr) throws IOException {
        String s = new String(expr.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
        List<Subst> out = new ArrayList<>();
        int i = 0;
        while (true) {
            while (i < s.length() && (Character.isWhitespace(s.charAt(i)) || s.charAt(i) == ';')) {
                i++;
            }
            if (i >= s.length()) {
                break;
            }
            if (s.charAt(i) != 's' || i + 1 >= s.length()) {
                throw unsupported(expr, "only s/REGEX/REPLACEMENT/FLAGS substitutions are supported");
            }
            char d = s.charAt(i + 1);
            if (Character.isLetterOrDigit(d) || Character.isWhitespace(d) || d == '_') {
                throw unsupported(expr, "only s/REGEX/REPLACEMENT/FLAGS substitutions are supported");
            }
            if ("({[<".indexOf(d) >= 0) {
                throw unsupported(expr, "bracketing delimiters (s{...}{...}) are not supported; use s/.../.../");
            }
            int[] pos = {i + 2};
            String regex = until(s, pos, d, expr);
            String repl = until(s, pos, d, expr);
            i = pos[0];
            boolean g = false;
            int flags = Pattern.UNIX_LINES;
            while (i < s.length() && Character.isLetter(s.charAt(i))) {
                char f = s.charAt(i++);
                switch (f) {
                    case 'g' -> g = true;
                    case 'i' -> flags |= Pattern.CASE_INSENSITIVE;
                    case 'm' -> flags |= Pattern.MULTILINE;
                    case 's' -> flags |= Pattern.DOTALL;
                    default -> throw unsupported(expr, "the substitution flag '" + f + "' is not supported (g, i, m"
                            + " and s are)");
                }
            }
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
            if (i < s.length() && s.charAt(i) != ';') {
                throw unsupported(expr, "only s/REGEX/REPLACEMENT/FLAGS substitutions separated by ';' are"
                        + " supported");
            }
            checkNoVariables(regex, expr);
            Pattern p;
            try {
                p = Pattern.compile(regex, flags);
            } catch (PatternSyntaxException e) {
                throw new IOException("-e: bad regular expression '" + regex + "': " + e.getDescription());
            }
            out.add(new Subst(p, d == '\'' ? List.of(new Part(repl, -1)) : replacement(repl, d, expr), g));
        }
        if (out.isEmpty()) {
            throw unsupported(expr, "no substitution given");
        }
        return new PerlSubstitution(out);
    }

    /** The text up to the next unescaped {@code d}; backslash escapes are kept as they are. */
    private static String until(String s, int[] pos, char d, String expr) throws IOException {
        StringBuilder sb = new StringBuilder();
        int i = pos[0];
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                sb.append(c).append(s.charAt(i + 1));
                i += 2;
                continue;
            }
            if (c == d) {
                pos[0] = i + 1;
                return sb.toString();
            }
            sb.append(c);
            i++;
        }
        throw new IOException("-e: substitution not terminated: " + expr);
    }

    /** Perl would interpolate $name, ${name} and @name in a pattern; the subset refuses them. */
    private static void checkNoVariables(String regex, String expr) throws IOException {
        for (int i = 0; i < regex.length() - 1; i++) {
            char c = regex.charAt(i);
            if (c == '\\') {
                i++;
                continue;
            }
            char n = regex.charAt(i + 1);
            if ((c == '$' || c == '@') && (Character.isLetter(n) || n == '_' || n == '{')) {
                throw unsupported(expr, "Perl variables in the pattern (" + c + n + "...) are not supported");
            }
        }
    }

    private static List<Part> replacement(String r, char d, String expr) throws IOException {
        List<Part> parts = new ArrayList<>();
        StringBuilder lit = new StringBuilder();
        for (int i = 0; i < r.length(); i++) {
            char c = r.charAt(i);
            if (c == '\\' && i + 1 < r.length()) {
                char n = r.charAt(++i);
                switch (n) {
                    case 'n' -> lit.append('\n');
                    case 't' -> lit.append('\t');
                    case 'r' -> lit.append('\r');
                    case 'U', 'L', 'u', 'l', 'Q', 'E' -> throw unsupported(expr, "the case escape \\" + n
                            + " is not supported");
                    default -> {
                        if (Character.isLetterOrDigit(n)) {
                            throw unsupported(expr, "the escape \\" + n + " in the replacement is not supported");
                        }
                        lit.append(n);  // \\ \$ \@ \/ and the escaped delimiter
                    }
                }
            } else if (c == '$' && i + 1 < r.length()) {
                char n = r.charAt(i + 1);
                int group;
                if (Character.isDigit(n)) {
                    int j = i + 1;
                    while (j < r.length() && j < i + 3 && Character.isDigit(r.charAt(j))) {
                        j++;
                    }
                    group = Integer.parseInt(r.substring(i + 1, j));
                    i = j - 1;
                } else if (n == '&') {
                    group = 0;
                    i++;
                } else if (n == '{' && r.indexOf('}', i) > i + 2 && r.substring(i + 2, r.indexOf('}', i))
                        .chars().allMatch(Character::isDigit)) {
                    int end = r.indexOf('}', i);
                    group = Integer.parseInt(r.substring(i + 2, end));
                    i = end;
                } else {
                    throw unsupported(expr, "Perl variables in the replacement ($" + n + "...) are not supported");
                }
                parts.add(new Part(lit.toString(), -1));
                lit.setLength(0);
                parts.add(new Part(null, group));
            } else if (c == '@' && i + 1 < r.length() && (Character.isLetter(r.charAt(i + 1))
                    || r.charAt(i + 1) == '_' || r.charAt(i + 1) == '{')) {
                throw unsupported(expr, "Perl arrays in the replacement (@" + r.charAt(i + 1) + "...) are not"
                        + " supported");
            } else {
                lit.append(c);
            }
        }
        parts.add(new Part(lit.toString(), -1));
        return parts;
    }

    private static IOException unsupported(String expr, String why) {
        return new IOException("-e: " + why + ": " + expr);
    }

    /** The file after every substitution ran on every line. */
    public byte[] apply(byte[] content) {
        String text = new String(content, StandardCharsets.ISO_8859_1);
        ByteArrayOutputStream out = new ByteArrayOutputStream(content.length);
        int start = 0;
        while (start < text.length()) {
            int nl = text.indexOf('\n', start);
            int end = nl < 0 ? text.length() : nl + 1;
            String line = text.substring(start, end);
            for (Subst s : substs) {
                line = substitute(s, line);
            }
            out.writeBytes(line.getBytes(StandardCharsets.ISO_8859_1));
            start = end;
        }
        return out.toByteArray();
    }

    private static String substitute(Subst s, String line) {
        Matcher m = s.pattern.matcher(line);
        StringBuilder sb = new StringBuilder();
        boolean any = false;
        while (m.find()) {
            any = true;
            StringBuilder r = new StringBuilder();
            for (Part p : s.replacement) {
                if (p.group < 0) {
                    r.append(p.literal);
                } else if (p.group <= m.groupCount() && m.group(p.group) != null) {
                    r.append(m.group(p.group));
                }
            }
            m.appendReplacement(sb, Matcher.quoteReplacement(r.toString()));
            if (!s.global) {
                break;
            }
        }
        if (!any) {
            return line;
        }
        m.appendTail(sb);
        return sb.toString();
    }
}
