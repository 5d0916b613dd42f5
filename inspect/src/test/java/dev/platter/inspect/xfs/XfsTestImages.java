package dev.platter.inspect.xfs;

import dev.platter.core.image.Image;
import dev.platter.core.image.Images;
import dev.platter.core.image.OpenOptions;
import dev.platter.inspect.fs.DirEntry;
import dev.platter.inspect.fs.FsOptions;
import dev.platter.inspect.fs.GuestFileSystem;
import dev.platter.testdata.Tool;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Builds XFS test images with testdata/scripts/make-xfs-images.sh and reads what the real tools say of them. */
final class XfsTestImages {
    private XfsTestImages() {
    }

    static Path scripts() {
        Path dir = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        for (Path p = dir; p != null; p = p.getParent()) {
            Path s = p.resolve("testdata/scripts");
            if (Files.isDirectory(s)) {
                return s;
            }
        }
        throw new IllegalStateException("testdata/scripts not found above " + dir);
    }

    /** Builds the given variants into {@code dir} (see the script's header for the list). */
    static void build(Path dir, Map<String, String> env, String... variants) {
        List<String> cmd = new ArrayList<>(List.of("bash", scripts().resolve("make-xfs-images.sh").toString(),
                dir.toString()));
        cmd.addAll(List.of(variants));
        Tool.run(null, env, cmd.toArray(String[]::new)).ok();
    }

    /** An open image and the filesystem on it, closed together. */
    record Opened(Image image, GuestFileSystem fs) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            fs.close();
            image.close();
        }
    }

    static Opened open(Path img) throws IOException {
        return open(img, FsOptions.defaults());
    }

    static Opened open(Path img, FsOptions options) throws IOException {
        Image image = Images.open(img, OpenOptions.readOnlyDefaults().withFormat("raw"));
        try {
            return new Opened(image, XfsFileSystem.open(image, options));
        } catch (IOException | RuntimeException e) {
            image.close();
            throw e;
        }
    }

    /** One line of the generator's manifest. */
    record Entry(String path, String type, int mode, long uid, long gid, long size, String extra) {
    }

    static List<Entry> manifest(Path dir, String variant) throws IOException {
        List<Entry> out = new ArrayList<>();
        for (String line : Files.readAllLines(dir.resolve("manifest-" + variant + ".tsv"),
                StandardCharsets.ISO_8859_1)) {
            String[] f = line.split("\t", -1);
            out.add(new Entry(f[0], f[1], Integer.parseInt(f[2], 8), Long.parseLong(f[3]), Long.parseLong(f[4]),
                    f[5].equals("-") ? -1 : Long.parseLong(f[5]), f[6]));
        }
        return out;
    }

    /** Raw bytes of a manifest path (the manifest is read as ISO-8859-1, byte for byte). */
    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** The inode of a path, following no symlinks, by hashed lookups from the root; -1 when absent. */
    static long resolve(GuestFileSystem fs, String path) throws IOException {
        long ino = fs.rootInode();
        for (String part : path.split("/")) {
            if (part.isEmpty()) {
                continue;
            }
            DirEntry e = fs.lookup(ino, bytes(part));
            if (e == null) {
                return -1;
            }
            ino = e.inode();
        }
        return ino;
    }

    /** The names a bigdir of {@code count} entries holds, as the generator makes them. */
    static List<String> bigDirNames(int count) {
        List<String> names = new ArrayList<>(count);
        String q = "q".repeat(40);
        for (int i = 0; i < count; i++) {
            names.add(String.format("file_%06d_%s", i, q.substring(0, i % 40)));
        }
        return names;
    }

    /** One line of xfs_db's "ls": cookie, inode, type, hash, name. */
    record DbEntry(long inode, String type, long hash, String name) {
    }

    private static final Pattern LS_LINE =
            Pattern.compile("^(\\d+)\\s+(\\d+)\\s+(\\S+)\\s+0x([0-9a-f]+)\\s+(\\d+) (.*) \\((good|bad)\\)$");

    /** xfs_db's listing of each directory (".", ".." included), keyed by path. */
    static Map<String, List<DbEntry>> xfsDbLs(Path img, List<String> dirs) {
        List<String> cmd = new ArrayList<>(List.of("xfs_db", "-r"));
        for (String d : dirs) {
            cmd.add("-c");
            cmd.add("ls " + d);
        }
        cmd.add(img.toString());
        Tool.Result r = runLatin1(cmd);
        Map<String, List<DbEntry>> out = new LinkedHashMap<>();
        List<DbEntry> current = null;
        for (String line : r.stdout().split("\n")) {
            if (line.endsWith(":") && line.startsWith("/")) {
                current = new ArrayList<>();
                out.put(line.substring(0, line.length() - 1), current);
                continue;
            }
            Matcher m = LS_LINE.matcher(line);
            if (m.matches() && current != null) {
                current.add(new DbEntry(Long.parseLong(m.group(2)), m.group(3), Long.parseLong(m.group(4), 16),
                        m.group(6)));
            }
        }
        return out;
    }

    /** Runs a tool whose output holds raw name bytes: decoded as ISO-8859-1 so every byte survives. */
    static Tool.Result runLatin1(List<String> cmd) {
        try {
            Path out = Files.createTempFile("xfsdb", ".out");
            try {
                List<String> sh = List.of("sh", "-c", "\"$@\" > " + out, "sh");
                List<String> all = new ArrayList<>(sh);
                all.addAll(cmd);
                Tool.Result r = Tool.run(null, Map.of("TZ", "UTC"), all.toArray(String[]::new)).ok();
                return new Tool.Result(r.exitCode(), new String(Files.readAllBytes(out), StandardCharsets.ISO_8859_1),
                        r.stderr());
            } finally {
                Files.deleteIfExists(out);
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** "field = value" lines printed by xfs_db's "print" command. */
    static Map<String, String> xfsDbFields(Path img, String... commands) {
        List<String> cmd = new ArrayList<>(List.of("xfs_db", "-r"));
        for (String c : commands) {
            cmd.add("-c");
            cmd.add(c);
        }
        cmd.add(img.toString());
        Map<String, String> out = new LinkedHashMap<>();
        for (String line : runLatin1(cmd).stdout().split("\n")) {
            int eq = line.indexOf(" = ");
            if (eq > 0) {
                out.putIfAbsent(line.substring(0, eq).trim(), line.substring(eq + 3).trim());
            }
        }
        return out;
    }
}
