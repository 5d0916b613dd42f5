package dev.platter.inspect.ext4.writing;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Turns abstract steps (a kind and a seed, what jqwik generates and shrinks) into concrete operations valid in the
 * model's current state, applying each to the model as it goes. A step with nothing to act on (an unlink in an
 * empty tree) plans nothing. /lost+found is never touched (e2fsck wants it).
 */
public final class Planner {
    public enum Kind {
        CREATE, MKDIR, REPLACE, APPEND, TRUNCATE, UNLINK, RMDIR, RENAME, SYMLINK, LINK, MKNOD, CHMOD, CHOWN,
        SET_TIMES, CREATE_MANY, UNLINK_MANY, COMMIT, REOPEN
    }

    /** One abstract step. */
    public record Step(Kind kind, long seed) {
        @Override
        public String toString() {
            return kind + "(" + seed + ")";
        }
    }

    private static final String CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-";
    private static final int[] FILE_PERMS = {0644, 0644, 0755, 0600, 0400, 0, 04755, 02755, 06711, 01644};
    private static final int[] DIR_PERMS = {0755, 0755, 0700, 01777, 02775, 0555};
    private static final long[] IDS = {0, 0, 1000, 1000, 65534, 65535, 65536, 70000, 1_000_000};

    private final ModelFs model;
    private final int blockSize;
    private final long maxBytes;
    private final List<Op> ops = new ArrayList<>();
    private boolean linkSymlinks = true;

    /**
     * @param model     the state to plan from; changed as operations are planned
     * @param blockSize the filesystem's block size (sizes are chosen around it)
     * @param maxBytes  file content the plan may keep in the tree at most (the image must not fill up)
     */
    public Planner(ModelFs model, int blockSize, long maxBytes) {
        this.model = model;
        this.blockSize = blockSize;
        this.maxBytes = maxBytes;
    }

    /** Whether hard links may name symbolic links (mke2fs -d copies such links as separate inodes). */
    public Planner linkSymlinks(boolean value) {
        linkSymlinks = value;
        return this;
    }

    public List<Op> ops() {
        return ops;
    }

    /** Plans every step; returns the operations. */
    public List<Op> plan(List<Step> steps) {
        for (Step s : steps) {
            step(s);
        }
        return ops;
    }

    /** Records {@code op} and applies it to the model. */
    public void add(Op op) {
        op.model(model);
        ops.add(op);
    }

    public void step(Step s) {
        Random r = new Random(s.seed());
        switch (s.kind()) {
            case CREATE -> {
                String dir = pick(r, dirs());
                String path = ModelFs.child(dir, newName(r, dir));
                ModelFs.Attr a = fileAttr(r);
                Content c = content(r, sizeClass(r));
                add(new Op.Create(path, a, c.data, c.how));
            }
            case MKDIR -> {
                String dir = pick(r, dirs());
                add(new Op.Mkdir(ModelFs.child(dir, newName(r, dir)), dirAttr(r)));
            }
            case REPLACE -> {
                String f = pick(r, files());
                if (f != null) {
                    Content c = content(r, sizeClass(r));
                    add(new Op.Replace(f, c.data, c.how));
                }
            }
            case APPEND -> {
                String f = pick(r, files());
                if (f != null) {
                    byte[] old = model.resolve(f).content();
                    Content extra = content(r, r.nextInt(3) + 1);
                    byte[] data = Arrays.copyOf(old, old.length + extra.data.length);
                    System.arraycopy(extra.data, 0, data, old.length, extra.data.length);
                    if (fits(extra.data.length)) {
                        add(new Op.Replace(f, data, "append " + extra.data.length + " to " + old.length));
                    }
                }
            }
            case TRUNCATE -> {
                String f = pick(r, files());
                if (f != null) {
                    long old = model.resolve(f).content().length;
                    long size = switch (r.nextInt(4)) {
                        case 0 -> 0;
                        case 1 -> old / 2;
                        case 2 -> Math.max(0, old - 1 - r.nextInt(blockSize * 3));
                        default -> old + 1 + r.nextInt(blockSize * 40);
                    };
                    if (fits(size - old)) {
                        add(new Op.Truncate(f, size));
                    }
                }
            }
            case UNLINK -> {
                String f = pick(r, nondirs());
                if (f != null) {
                    add(new Op.Unlink(f));
                }
            }
            case RMDIR -> {
                String d = pick(r, emptyDirs());
                if (d != null) {
                    add(new Op.Rmdir(d));
                }
            }
            case RENAME -> rename(r);
            case SYMLINK -> {
                String dir = pick(r, dirs());
                int len = r.nextBoolean() ? 1 + r.nextInt(59) : 60 + r.nextInt(r.nextBoolean() ? 200 : blockSize - 61);
                StringBuilder t = new StringBuilder();
                while (t.length() < len) {
                    t.append(r.nextInt(5) == 0 ? '/' : CHARS.charAt(r.nextInt(CHARS.length())));
                }
                add(new Op.Symlink(ModelFs.child(dir, newName(r, dir)), t.toString(),
                        new ModelFs.Attr(0777, id(r), id(r), time(r), time(r))));
            }
            case LINK -> {
                String f = pick(r, linkSymlinks ? nondirs() : notSymlinks().stream()
                        .filter(p -> !model.resolve(p).isDir()).toList());
                if (f != null) {
                    String dir = pick(r, dirs());
                    add(new Op.Link(f, ModelFs.child(dir, newName(r, dir))));
                }
            }
            case MKNOD -> {
                String dir = pick(r, dirs());
                char type = "pscb".charAt(r.nextInt(4));
                long major = r.nextBoolean() ? r.nextInt(256) : r.nextInt(4096);
                long minor = r.nextBoolean() ? r.nextInt(256) : r.nextInt(1 << 20);
                if (type == 'p' || type == 's') {
                    major = 0;
                    minor = 0;
                }
                add(new Op.Mknod(ModelFs.child(dir, newName(r, dir)), type, major, minor, fileAttr(r)));
            }
            case CHMOD -> {
                String p = pick(r, notSymlinks());
                if (p != null) {
                    boolean dir = model.resolve(p).isDir();
                    add(new Op.Chmod(p, dir ? DIR_PERMS[r.nextInt(DIR_PERMS.length)]
                            : FILE_PERMS[r.nextInt(FILE_PERMS.length)]));
                }
            }
            case CHOWN -> {
                String p = pick(r, all());
                if (p != null) {
                    add(new Op.Chown(p, r.nextInt(4) == 0 ? -1 : id(r), r.nextInt(4) == 0 ? -1 : id(r)));
                }
            }
            case SET_TIMES -> {
                String p = pick(r, notSymlinks());
                if (p != null) {
                    add(new Op.SetTimes(p, r.nextInt(4) == 0 ? null : time(r), r.nextInt(4) == 0 ? null : time(r)));
                }
            }
            case CREATE_MANY -> {
                String dir;
                if (r.nextBoolean()) {
                    String parent = pick(r, dirs());
                    dir = ModelFs.child(parent, newName(r, parent));
                    add(new Op.Mkdir(dir, dirAttr(r)));
                } else {
                    dir = pick(r, dirs());
                }
                int n = 150 + r.nextInt(300);
                for (int i = 0; i < n; i++) {
                    String name = longishName(r, dir);
                    Content c = content(r, r.nextInt(4) == 0 ? 1 : 0);
                    add(new Op.Create(ModelFs.child(dir, name), fileAttr(r), c.data, c.how));
                }
            }
            case UNLINK_MANY -> {
                String dir = null;
                int best = 0;
                for (String d : dirs()) {
                    int k = (int) model.resolve(d).children.values().stream().filter(i -> !i.isDir()).count();
                    if (k > best) {
                        best = k;
                        dir = d;
                    }
                }
                if (dir != null && best >= 2) {
                    List<String> names = new ArrayList<>();
                    for (Map.Entry<String, ModelFs.Inode> e : model.resolve(dir).children.entrySet()) {
                        if (!e.getValue().isDir()) {
                            names.add(ModelFs.child(dir, e.getKey()));
                        }
                    }
                    double share = 0.5 + r.nextDouble() * 0.45;
                    for (String f : names) {
                        if (r.nextDouble() < share) {
                            add(new Op.Unlink(f));
                        }
                    }
                }
            }
            case COMMIT -> add(new Op.Commit());
            case REOPEN -> add(new Op.Reopen());
            default -> throw new IllegalStateException(s.toString());
        }
    }

    private void rename(Random r) {
        List<String> sources = all();
        sources.remove("/");
        String from = pick(r, sources);
        if (from == null) {
            return;
        }
        boolean dir = model.resolve(from).isDir();
        int how = r.nextInt(10);
        if (how < 3) {
            List<String> targets = dir ? emptyDirs() : nondirs();
            targets.remove(from);
            if (dir) {
                targets.removeIf(t -> (t + "/").startsWith(from + "/") || (from + "/").startsWith(t + "/"));
            }
            String to = pick(r, targets);
            if (to != null) {
                add(new Op.Rename(from, to, "over an existing " + (dir ? "empty directory" : "name")));
                return;
            }
        }
        List<String> dirs = dirs();
        if (dir) {
            dirs.removeIf(d -> (d + "/").startsWith(from + "/"));
        }
        String parent = how < 6 ? ModelFs.parentOf(from) : pick(r, dirs);
        if (parent == null) {
            return;
        }
        add(new Op.Rename(from, ModelFs.child(parent, newName(r, parent)),
                parent.equals(ModelFs.parentOf(from)) ? "same directory" : "to another directory"));
    }

    /** Content of a size class: 0 empty, 1 under 60 bytes, 2 up to a block, 3 multi-block, 4 sparse, 5 large. */
    private int sizeClass(Random r) {
        int[] weights = {2, 3, 2, 3, 2, 1, 1};
        int total = Arrays.stream(weights).sum();
        int x = r.nextInt(total);
        for (int c = 0; c < weights.length; c++) {
            x -= weights[c];
            if (x < 0) {
                return c;
            }
        }
        return 0;
    }

    private record Content(byte[] data, String how) {
    }

    private Content content(Random r, int sizeClass) {
        for (int tries = 0; ; tries++) {
            Content c = makeContent(r, tries > 3 ? Math.min(sizeClass, 1) : sizeClass);
            if (fits(c.data.length) || tries > 5) {
                return fits(c.data.length) ? c : new Content(new byte[0], "empty (the image is full enough)");
            }
        }
    }

    private Content makeContent(Random r, int sizeClass) {
        switch (sizeClass) {
            case 0 -> {
                return new Content(new byte[0], "empty");
            }
            case 1 -> {
                return new Content(random(r, 1 + r.nextInt(59)), "tiny");
            }
            case 2 -> {
                return new Content(random(r, 60 + r.nextInt(blockSize - 59)), "small");
            }
            case 3 -> {
                int blocks = 2 + r.nextInt(40);
                return new Content(random(r, blocks * blockSize - r.nextInt(blockSize)), "multi-block");
            }
            case 4 -> {
                int size = blockSize * (4 + r.nextInt(400)) + r.nextInt(blockSize);
                byte[] b = new byte[size];
                StringBuilder how = new StringBuilder("sparse data at");
                int runs = r.nextInt(4);
                for (int i = 0; i < runs; i++) {
                    int at = r.nextInt(size);
                    int len = Math.min(size - at, 1 + r.nextInt(blockSize * 6));
                    byte[] d = random(r, len);
                    System.arraycopy(d, 0, b, at, len);
                    how.append(' ').append(at).append('+').append(len);
                }
                if (r.nextBoolean()) {
                    b[size - 1] = (byte) (1 + r.nextInt(255));
                    how.append(" and the last byte");
                }
                return new Content(b, how.toString());
            }
            case 5 -> {
                int size = 270 * 1024 + r.nextInt(1200 * 1024);
                return new Content(random(r, size), "large");
            }
            default -> {
                return new Content(new byte[blockSize * (1 + r.nextInt(30)) + r.nextInt(blockSize)], "all zeros");
            }
        }
    }

    private boolean fits(long more) {
        return model.bytes() + more <= maxBytes;
    }

    private static byte[] random(Random r, int n) {
        byte[] b = new byte[n];
        r.nextBytes(b);
        return b;
    }

    private static long id(Random r) {
        return IDS[r.nextInt(IDS.length)];
    }

    private static Instant time(Random r) {
        long s = switch (r.nextInt(6)) {
            case 0 -> 0;
            case 1 -> 4_102_444_800L + r.nextInt(1 << 30); // after 2100: the extra epoch bits
            default -> 1_000_000_000L + r.nextInt(1 << 30);
        };
        return Instant.ofEpochSecond(s, r.nextBoolean() ? 0 : r.nextInt(1_000_000_000));
    }

    private ModelFs.Attr fileAttr(Random r) {
        return new ModelFs.Attr(FILE_PERMS[r.nextInt(FILE_PERMS.length)], id(r), id(r), time(r), time(r));
    }

    private ModelFs.Attr dirAttr(Random r) {
        return new ModelFs.Attr(DIR_PERMS[r.nextInt(DIR_PERMS.length)], id(r), id(r), time(r), time(r));
    }

    private String newName(Random r, String dir) {
        ModelFs.Inode d = model.resolve(dir);
        for (;;) {
            int x = r.nextInt(10);
            int len = x < 7 ? 1 + r.nextInt(12) : x < 9 ? 13 + r.nextInt(48) : 61 + r.nextInt(195);
            String n = name(r, len);
            if (!d.children.containsKey(n)) {
                return n;
            }
        }
    }

    private String longishName(Random r, String dir) {
        ModelFs.Inode d = model.resolve(dir);
        for (;;) {
            String n = name(r, 8 + r.nextInt(33));
            if (!d.children.containsKey(n)) {
                return n;
            }
        }
    }

    private static String name(Random r, int len) {
        StringBuilder sb = new StringBuilder();
        while (sb.length() < len) {
            sb.append(CHARS.charAt(r.nextInt(CHARS.length())));
        }
        String n = sb.toString();
        return n.equals(".") || n.equals("..") ? n + "x" : n;
    }

    private static String pick(Random r, List<String> from) {
        return from.isEmpty() ? null : from.get(r.nextInt(from.size()));
    }

    private static boolean outsideLostFound(String path) {
        return !path.equals("/lost+found") && !path.startsWith("/lost+found/");
    }

    private List<String> select(java.util.function.Predicate<ModelFs.Inode> keep) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, ModelFs.Inode> e : model.entries()) {
            if (outsideLostFound(e.getKey()) && keep.test(e.getValue())) {
                out.add(e.getKey());
            }
        }
        return out;
    }

    private List<String> all() {
        return select(i -> true);
    }

    private List<String> dirs() {
        return select(ModelFs.Inode::isDir);
    }

    private List<String> nondirs() {
        return select(i -> !i.isDir());
    }

    private List<String> files() {
        return select(i -> i.type() == 'f');
    }

    private List<String> notSymlinks() {
        return select(i -> i.type() != 'l');
    }

    private List<String> emptyDirs() {
        List<String> out = select(i -> i.isDir() && i.children.isEmpty());
        out.remove("/");
        return out;
    }
}
