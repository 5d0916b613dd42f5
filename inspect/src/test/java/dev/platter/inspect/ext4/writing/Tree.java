package dev.platter.inspect.ext4.writing;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * A filesystem tree in canonical form, as every oracle (debugfs, the kernel, Platter's reader, the in-memory model)
 * reports it, so that any two can be compared: path to type, permissions, owner, size, content digest (or symbolic
 * link target, or device numbers), link count, the set of paths sharing its inode, and the modification time where
 * it is known. Inode numbers are not part of it (the writer may choose any).
 */
public final class Tree {

    /**
     * One path.
     *
     * @param type   'f' regular, 'd' directory, 'l' symbolic link, 'p' fifo, 's' socket, 'c' / 'b' devices
     * @param perm   mode & 07777
     * @param size   size in bytes (-1 for directories: their size depends on the writer's layout)
     * @param data   a regular file's SHA-256, a symbolic link's target, "major,minor" of a device, else ""
     * @param nlink  the inode's link count
     * @param group  the first (in sort order) of the paths naming the same inode
     * @param mtime  the modification time, or null where it is not known (then not compared)
     */
    public record Node(char type, int perm, long uid, long gid, long size, String data, long nlink, String group,
                       Instant mtime) {
        @Override
        public String toString() {
            return type + " " + Integer.toOctalString(perm) + " " + uid + ":" + gid + " size=" + size + " nlink="
                    + nlink + (data.isEmpty() ? "" : " " + (type == 'l' ? "-> " : "") + data)
                    + (group.isEmpty() ? "" : " group=" + group) + (mtime == null ? "" : " mtime=" + mtime);
        }
    }

    /** What an oracle found for one path before the groups are known. */
    public record Raw(char type, int perm, long uid, long gid, long size, String data, long nlink, Object identity,
                      Instant mtime) {
    }

    private final SortedMap<String, Node> nodes;

    private Tree(SortedMap<String, Node> nodes) {
        this.nodes = Collections.unmodifiableSortedMap(nodes);
    }

    /** The canonical tree of {@code raw} (path to what an oracle saw; identity: the inode, for hard links). */
    public static Tree of(Map<String, Raw> raw) {
        Map<Object, String> first = new HashMap<>();
        for (String path : new TreeSet<>(raw.keySet())) {
            first.putIfAbsent(raw.get(path).identity(), path);
        }
        SortedMap<String, Node> nodes = new TreeMap<>();
        for (Map.Entry<String, Raw> e : raw.entrySet()) {
            Raw r = e.getValue();
            String group = r.type() == 'd' ? "" : first.get(r.identity());
            nodes.put(e.getKey(), new Node(r.type(), r.perm(), r.uid(), r.gid(), r.type() == 'd' ? -1 : r.size(),
                    r.data(), r.nlink(), group, r.type() == 'd' ? null : r.mtime()));
        }
        return new Tree(nodes);
    }

    public SortedMap<String, Node> nodes() {
        return nodes;
    }

    public Node get(String path) {
        return nodes.get(path);
    }

    /** This tree without the paths {@code drop} selects. */
    public Tree without(Predicate<String> drop) {
        SortedMap<String, Node> kept = new TreeMap<>();
        nodes.forEach((p, n) -> {
            if (!drop.test(p)) {
                kept.put(p, n);
            }
        });
        return new Tree(kept);
    }

    /** This tree with the node at {@code path} replaced (for a test that knows one attribute cannot be compared). */
    public Tree with(String path, Node node) {
        SortedMap<String, Node> copy = new TreeMap<>(nodes);
        copy.put(path, node);
        return new Tree(copy);
    }

    /** This tree with every known mtime changed by {@code f} (what a tool that stores less precision keeps). */
    public Tree mapMtimes(java.util.function.UnaryOperator<Instant> f) {
        SortedMap<String, Node> copy = new TreeMap<>();
        nodes.forEach((p, n) -> copy.put(p, n.mtime() == null ? n : new Node(n.type(), n.perm(), n.uid(), n.gid(),
                n.size(), n.data(), n.nlink(), n.group(), f.apply(n.mtime()))));
        return new Tree(copy);
    }

    /** The differences between an expected tree and an actual one, one line each; empty when they agree. */
    public static List<String> diff(Tree expected, Tree actual) {
        List<String> out = new ArrayList<>();
        TreeSet<String> all = new TreeSet<>(expected.nodes.keySet());
        all.addAll(actual.nodes.keySet());
        for (String p : all) {
            Node e = expected.nodes.get(p);
            Node a = actual.nodes.get(p);
            if (a == null) {
                out.add("missing " + p + " (expected " + e + ")");
            } else if (e == null) {
                out.add("unexpected " + p + " (" + a + ")");
            } else if (!same(e, a)) {
                out.add("differs " + p + ": expected " + e + ", found " + a);
            }
        }
        return out;
    }

    /** Equal, comparing mtimes only where both know them. */
    private static boolean same(Node e, Node a) {
        return e.type() == a.type() && e.perm() == a.perm() && e.uid() == a.uid() && e.gid() == a.gid()
                && e.size() == a.size() && e.data().equals(a.data()) && e.nlink() == a.nlink()
                && e.group().equals(a.group())
                && (e.mtime() == null || a.mtime() == null || e.mtime().equals(a.mtime()));
    }

    /** Whether the two trees agree (see {@link #diff}). */
    public boolean matches(Tree actual) {
        return diff(this, actual).isEmpty();
    }

    public int size() {
        return nodes.size();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Tree t && nodes.equals(t.nodes);
    }

    @Override
    public int hashCode() {
        return Objects.hash(nodes);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        nodes.forEach((p, n) -> sb.append(p).append("  ").append(n).append('\n'));
        return sb.toString();
    }

    public static String sha256(byte[] content) {
        try {
            return java.util.HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public static char typeChar(int mode) {
        return switch (mode & 0xF000) {
            case 0x8000 -> 'f';
            case 0x4000 -> 'd';
            case 0xA000 -> 'l';
            case 0x2000 -> 'c';
            case 0x6000 -> 'b';
            case 0x1000 -> 'p';
            case 0xC000 -> 's';
            default -> '?';
        };
    }
}
