package dev.platter.inspect.ext4.writing;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The tree a test expects, in memory: inodes with their names, attributes and contents, changed by the same
 * operations the writer is given (with rename(2)'s rules), and turned into a {@link Tree} to compare with what the
 * oracles see. Paths are "/"-separated strings of ASCII names.
 */
public final class ModelFs {

    /** One inode. Directories hold their names; every other type counts its links by the names that reach it. */
    public static final class Inode {
        char type;
        int perm;
        long uid;
        long gid;
        byte[] content = new byte[0];
        String target = "";
        long major;
        long minor;
        Instant mtime;
        final TreeMap<String, Inode> children = new TreeMap<>();

        Inode(char type, Attr a) {
            this.type = type;
            this.perm = a.perm();
            this.uid = a.uid();
            this.gid = a.gid();
            this.mtime = a.mtime();
        }

        public char type() {
            return type;
        }

        public byte[] content() {
            return content;
        }

        public boolean isDir() {
            return type == 'd';
        }
    }

    /** Permissions, owner and times of a new inode. */
    public record Attr(int perm, long uid, long gid, Instant atime, Instant mtime) {
        @Override
        public String toString() {
            return Integer.toOctalString(perm) + " " + uid + ":" + gid + " mtime=" + mtime;
        }
    }

    private final Inode root;

    private ModelFs(Inode root) {
        this.root = root;
    }

    /** The model of an existing tree (as an oracle read it), with the regular files' contents. */
    public static ModelFs of(Tree tree, Map<String, byte[]> contents) {
        Tree.Node r = tree.get("/");
        Inode root = new Inode('d', new Attr(r.perm(), r.uid(), r.gid(), null, null));
        ModelFs m = new ModelFs(root);
        Map<String, Inode> byGroup = new HashMap<>();
        for (Map.Entry<String, Tree.Node> e : tree.nodes().entrySet()) {
            String path = e.getKey();
            if (path.equals("/")) {
                continue;
            }
            Tree.Node n = e.getValue();
            Inode ino = n.type() == 'd' ? null : byGroup.get(n.group());
            if (ino == null) {
                ino = new Inode(n.type(), new Attr(n.perm(), n.uid(), n.gid(), null, n.mtime()));
                if (n.type() == 'f') {
                    byte[] c = contents.get(path);
                    if (c == null) {
                        throw new IllegalArgumentException("no content for " + path);
                    }
                    ino.content = c;
                } else if (n.type() == 'l') {
                    ino.target = n.data();
                } else if (n.type() == 'c' || n.type() == 'b') {
                    String[] mm = n.data().split(",");
                    ino.major = Long.parseLong(mm[0]);
                    ino.minor = Long.parseLong(mm[1]);
                }
                if (n.type() != 'd') {
                    byGroup.put(n.group(), ino);
                }
            }
            Inode parent = m.resolve(parentOf(path));
            parent.children.put(nameOf(path), ino);
        }
        return m;
    }

    public static String parentOf(String path) {
        int i = path.lastIndexOf('/');
        return i == 0 ? "/" : path.substring(0, i);
    }

    public static String nameOf(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }

    public static String child(String dir, String name) {
        return dir.equals("/") ? "/" + name : dir + "/" + name;
    }

    /** The inode at {@code path}, or null. */
    public Inode resolve(String path) {
        if (path.equals("/")) {
            return root;
        }
        Inode cur = root;
        for (String part : path.substring(1).split("/")) {
            if (cur == null || !cur.isDir()) {
                return null;
            }
            cur = cur.children.get(part);
        }
        return cur;
    }

    private Inode need(String path) {
        Inode i = resolve(path);
        if (i == null) {
            throw new IllegalStateException("model: no " + path);
        }
        return i;
    }

    private void add(String path, Inode ino) {
        Inode dir = need(parentOf(path));
        if (!dir.isDir() || dir.children.containsKey(nameOf(path))) {
            throw new IllegalStateException("model: cannot create " + path);
        }
        dir.children.put(nameOf(path), ino);
    }

    public void mkdir(String path, Attr a) {
        add(path, new Inode('d', a));
    }

    public void createFile(String path, Attr a, byte[] data) {
        Inode i = new Inode('f', a);
        i.content = data.clone();
        add(path, i);
    }

    public void symlink(String path, String target, Attr a) {
        Inode i = new Inode('l', a);
        i.target = target;
        add(path, i);
    }

    public void mknod(String path, char type, long major, long minor, Attr a) {
        Inode i = new Inode(type, a);
        if (type == 'c' || type == 'b') {
            i.major = major;
            i.minor = minor;
        }
        add(path, i);
    }

    public void link(String existing, String path) {
        Inode i = need(existing);
        if (i.isDir()) {
            throw new IllegalStateException("model: link to a directory " + existing);
        }
        add(path, i);
    }

    public void unlink(String path) {
        Inode i = need(path);
        if (i.isDir()) {
            throw new IllegalStateException("model: unlink of a directory " + path);
        }
        need(parentOf(path)).children.remove(nameOf(path));
    }

    public void rmdir(String path) {
        Inode i = need(path);
        if (!i.isDir() || !i.children.isEmpty() || i == root) {
            throw new IllegalStateException("model: rmdir of " + path);
        }
        need(parentOf(path)).children.remove(nameOf(path));
    }

    /** rename(2): a target of the same kind (an empty directory for a directory) is replaced; same inode: nothing. */
    public void rename(String from, String to) {
        Inode src = need(from);
        Inode dst = resolve(to);
        if (dst == src) {
            return;
        }
        if (dst != null) {
            if (src.isDir() != dst.isDir() || (dst.isDir() && !dst.children.isEmpty())) {
                throw new IllegalStateException("model: rename " + from + " over " + to);
            }
        }
        if (src.isDir() && (to + "/").startsWith(from + "/")) {
            throw new IllegalStateException("model: rename " + from + " into itself " + to);
        }
        need(parentOf(from)).children.remove(nameOf(from));
        need(parentOf(to)).children.put(nameOf(to), src);
    }

    public void replaceContent(String path, byte[] data) {
        Inode i = need(path);
        i.content = data.clone();
        i.mtime = null; // the writer may or may not set it: not compared from here on
    }

    public void truncate(String path, long size) {
        Inode i = need(path);
        byte[] c = new byte[(int) size];
        System.arraycopy(i.content, 0, c, 0, (int) Math.min(size, i.content.length));
        i.content = c;
        i.mtime = null;
    }

    public void chmod(String path, int perm) {
        need(path).perm = perm;
    }

    public void chown(String path, long uid, long gid) {
        Inode i = need(path);
        if (uid != -1) {
            i.uid = uid;
        }
        if (gid != -1) {
            i.gid = gid;
        }
    }

    public void setTimes(String path, Instant atime, Instant mtime) {
        Inode i = need(path);
        if (mtime != null && !i.isDir()) {
            i.mtime = mtime;
        }
    }

    /** The canonical tree of the model now. */
    public Tree snapshot() {
        Map<String, Tree.Raw> raw = new TreeMap<>();
        Map<Inode, Integer> names = new HashMap<>();
        List<Object[]> all = new ArrayList<>();
        walk("/", root, all);
        for (Object[] e : all) {
            names.merge((Inode) e[1], 1, Integer::sum);
        }
        for (Object[] e : all) {
            String path = (String) e[0];
            Inode i = (Inode) e[1];
            long nlink;
            String data = "";
            long size;
            if (i.isDir()) {
                nlink = 2 + i.children.values().stream().filter(Inode::isDir).count();
                size = 0;
            } else {
                nlink = names.get(i);
                switch (i.type) {
                    case 'f' -> {
                        data = Tree.sha256(i.content);
                        size = i.content.length;
                    }
                    case 'l' -> {
                        data = i.target;
                        size = i.target.length();
                    }
                    case 'c', 'b' -> {
                        data = i.major + "," + i.minor;
                        size = 0;
                    }
                    default -> size = 0;
                }
            }
            raw.put(path, new Tree.Raw(i.type, i.perm, i.uid, i.gid, size, data, nlink,
                    i, i.mtime));
        }
        return Tree.of(raw);
    }

    private static void walk(String path, Inode dir, List<Object[]> out) {
        out.add(new Object[] {path, dir});
        for (Map.Entry<String, Inode> c : dir.children.entrySet()) {
            String p = child(path, c.getKey());
            if (c.getValue().isDir()) {
                walk(p, c.getValue(), out);
            } else {
                out.add(new Object[] {p, c.getValue()});
            }
        }
    }

    /** Every path with its inode (depth-first, names in order). */
    public List<Map.Entry<String, Inode>> entries() {
        List<Object[]> all = new ArrayList<>();
        walk("/", root, all);
        List<Map.Entry<String, Inode>> out = new ArrayList<>();
        for (Object[] e : all) {
            out.add(Map.entry((String) e[0], (Inode) e[1]));
        }
        return out;
    }

    /** The sum of the regular files' sizes (each inode once). */
    public long bytes() {
        return entries().stream().map(Map.Entry::getValue).filter(i -> i.type == 'f').distinct()
                .mapToLong(i -> i.content.length).sum();
    }
}
