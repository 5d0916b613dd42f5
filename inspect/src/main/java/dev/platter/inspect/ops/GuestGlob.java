package dev.platter.inspect.ops;

import dev.platter.inspect.guest.GuestFile;
import dev.platter.inspect.guest.GuestFileException;
import dev.platter.inspect.guest.Mounts;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Shell wildcards in guest paths, as glob(3) expands them for guestfs's glob-expand: {@code *}, {@code ?} and
 * {@code [...]} (with {@code !} or {@code ^} negation) within one component, never matching '/' nor a leading '.'
 * unless the pattern's component starts with one; directories on the way are followed through symlinks; the result
 * holds only paths that exist, each component list sorted by byte value, and is empty when nothing matches.
 */
public final class GuestGlob {
    private GuestGlob() {
    }

    /** True when {@code pattern} holds a wildcard. */
    public static boolean hasWildcard(String pattern) {
        return pattern.indexOf('*') >= 0 || pattern.indexOf('?') >= 0 || pattern.indexOf('[') >= 0;
    }

    /** The existing paths matching {@code pattern} (absolute). */
    public static List<byte[]> expand(Mounts mounts, String pattern) throws IOException {
        byte[] p = pattern.getBytes(StandardCharsets.UTF_8);
        if (p.length == 0 || p[0] != '/') {
            throw new IOException(pattern + ": the path must start with a / character");
        }
        List<byte[]> current = new ArrayList<>();
        current.add(new byte[] {'/'});
        for (byte[] c : GuestWriter.components(p)) {
            String comp = new String(c, StandardCharsets.ISO_8859_1);
            List<byte[]> next = new ArrayList<>();
            if (!hasWildcard(comp)) {
                for (byte[] dir : current) {
                    next.add(Mounts.child(dir, c));
                }
            } else {
                Pattern re = toRegex(comp);
                for (byte[] dir : current) {
                    GuestFile d;
                    try {
                        d = mounts.stat(dir);
                    } catch (GuestFileException e) {
                        continue;
                    }
                    if (!d.isDirectory()) {
                        continue;
                    }
                    List<byte[]> names = new ArrayList<>();
                    for (Mounts.Child child : mounts.list(d)) {
                        String n = new String(child.name(), StandardCharsets.ISO_8859_1);
                        if (n.startsWith(".") && !comp.startsWith(".")) {
                            continue;
                        }
                        if (re.matcher(n).matches()) {
                            names.add(child.name());
                        }
                    }
                    names.sort(Arrays::compareUnsigned);
                    for (byte[] n : names) {
                        next.add(Mounts.child(dir, n));
                    }
                }
            }
            current = next;
        }
        List<byte[]> out = new ArrayList<>();
        for (byte[] path : current) {
            try {
                mounts.lstat(path);
                out.add(path);
            } catch (GuestFileException e) {
                // no such path: not a match
            }
        }
        return out;
    }

    /** One component's wildcards as a regular expression over its bytes (read as ISO-8859-1). */
    static Pattern toRegex(String comp) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < comp.length(); i++) {
            char ch = comp.charAt(i);
            switch (ch) {
                case '*' -> sb.append(".*");
                case '?' -> sb.append('.');
                case '\\' -> {
                    if (i + 1 < comp.length()) {
                        sb.append(Pattern.quote(String.valueOf(comp.charAt(++i))));
                    } else {
                        sb.append("\\\\");
                    }
                }
                case '[' -> {
                    int end = comp.indexOf(']', i + 2);
                    if (end < 0) {
                        sb.append("\\[");
                        break;
                    }
                    String set = comp.substring(i + 1, end);
                    StringBuilder cls = new StringBuilder("[");
                    int j = 0;
                    if (set.startsWith("!") || set.startsWith("^")) {
                        cls.append('^');
                        j = 1;
                    }
                    for (; j < set.length(); j++) {
                        char s = set.charAt(j);
                        if (s == '-' && j > 0 && j < set.length() - 1) {
                            cls.append('-');
                        } else if (Character.isLetterOrDigit(s) || s > 0x7F) {
                            cls.append(s);
                        } else {
                            cls.append('\\').append(s);
                        }
                    }
                    sb.append(cls).append(']');
                    i = end;
                }
                default -> sb.append(Pattern.quote(String.valueOf(ch)));
            }
        }
        return Pattern.compile(sb.toString(), Pattern.DOTALL);
    }
}
