package dev.platter.inspect.ext4.writing;

import dev.platter.testdata.Tool;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The tree as debugfs (e2fsprogs, read-only) sees it: {@code ls -p} of every directory, level by level (names,
 * modes, owners, sizes, inodes), {@code stat} of every inode (link count, flags, mtime, a fast symlink's target,
 * device numbers) and {@code dump} of every file and slow symlink. debugfs walks directories block by block, never
 * through the hash index; the kernel oracle looks names up through it.
 *
 * <p>debugfs 1.47's {@code dump} of an inline-data file writes the whole 60-byte inline area whatever the size: for
 * inodes with the inline-data flag the dump is cut (or padded with zeros) to the inode's size.
 */
public final class DebugfsTree {
    private static final Pattern LINKS = Pattern.compile("Links: (\\d+)");
    private static final Pattern FLAGS = Pattern.compile("Flags: 0x([0-9a-fA-F]+)");
    private static final Pattern MTIME = Pattern.compile("\\n\\s*mtime: 0x([0-9a-f]{8})(?::([0-9a-f]{8}))?");
    private static final Pattern FAST = Pattern.compile("Fast link dest: \"(.*)\"\\n");
    private static final Pattern DEVICE = Pattern.compile("Device major/minor number: (\\d+):(\\d+)");
    private static final int INLINE_DATA_FL = 0x10000000;
    /** Deeper trees than this are not expected in the tests (a guard against a directory loop). */
    private static final int MAX_DEPTH = 64;

    private DebugfsTree() {
    }

    private record Entry(String path, long inode, int mode, long uid, long gid, long size) {
    }

    /** Reads the whole tree of {@code image}; {@code scratch} is a folder for the dumped files (emptied after). */
    public static Tree read(Path image, Path scratch) {
        try {
            Path dumps = Files.createTempDirectory(scratch, "dump-");
            try {
                return readInto(image, dumps);
            } finally {
                Tool.run("rm", "-rf", dumps.toString());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Tree readInto(Path image, Path dumps) {
        List<Entry> entries = new ArrayList<>();
        // The root, from its own "." line.
        Map<String, String> rootLs = run(image, List.of("ls -p <2>"));
        Entry root = null;
        for (Entry e : parseLs(rootLs.values().iterator().next(), "")) {
            if (e.path().equals("/.")) {
                root = new Entry("/", e.inode(), e.mode(), e.uid(), e.gid(), e.size());
            }
        }
        if (root == null) {
            throw new AssertionError("debugfs: no \".\" in the root directory of " + image + ":\n" + rootLs);
        }
        entries.add(root);
        List<Entry> level = List.of(root);
        for (int depth = 0; !level.isEmpty(); depth++) {
            if (depth > MAX_DEPTH) {
                throw new AssertionError("debugfs: directories deeper than " + MAX_DEPTH + " in " + image);
            }
            List<String> cmds = new ArrayList<>();
            for (Entry d : level) {
                cmds.add("ls -p <" + d.inode() + ">");
            }
            Map<String, String> out = run(image, cmds);
            List<Entry> next = new ArrayList<>();
            for (Entry d : level) {
                String text = out.get("ls -p <" + d.inode() + ">");
                for (Entry e : parseLs(text, d.path().equals("/") ? "" : d.path())) {
                    String name = e.path().substring(e.path().lastIndexOf('/') + 1);
                    if (name.equals(".") || name.equals("..")) {
                        continue;
                    }
                    entries.add(e);
                    if (Tree.typeChar(e.mode()) == 'd') {
                        next.add(e);
                    }
                }
            }
            level = next;
        }
        // stat every inode, dump every file and every symbolic link (fast ones are told apart by stat).
        Map<Long, Entry> inodes = new LinkedHashMap<>();
        for (Entry e : entries) {
            inodes.putIfAbsent(e.inode(), e);
        }
        List<String> cmds = new ArrayList<>();
        for (Entry e : inodes.values()) {
            cmds.add("stat <" + e.inode() + ">");
        }
        Map<String, String> out = run(image, cmds);
        // Then dump the files and the slow symbolic links (a fast one's i_block is no block map to read).
        List<String> dumpCmds = new ArrayList<>();
        for (Entry e : inodes.values()) {
            char t = Tree.typeChar(e.mode());
            String stat = out.get("stat <" + e.inode() + ">");
            if (t == 'f' || (t == 'l' && stat != null && !FAST.matcher(stat).find())) {
                dumpCmds.add("dump <" + e.inode() + "> " + dumps.resolve(Long.toString(e.inode())));
            }
        }
        if (!dumpCmds.isEmpty()) {
            run(image, dumpCmds);
        }
        Map<String, Tree.Raw> raw = new TreeMap<>();
        for (Entry e : entries) {
            String stat = out.get("stat <" + e.inode() + ">");
            if (stat == null) {
                throw new AssertionError("debugfs printed no stat for inode " + e.inode() + " (" + e.path() + ")");
            }
            char t = Tree.typeChar(e.mode());
            long nlink = Long.parseLong(find(LINKS, stat, e));
            int flags = (int) Long.parseLong(find(FLAGS, stat, e), 16);
            String data = "";
            if (t == 'f') {
                data = Tree.sha256(content(dumps, e, flags));
            } else if (t == 'l') {
                Matcher fast = FAST.matcher(stat);
                data = fast.find() ? fast.group(1)
                        : new String(content(dumps, e, flags), StandardCharsets.ISO_8859_1);
            } else if (t == 'c' || t == 'b') {
                Matcher m = DEVICE.matcher(stat);
                data = m.find() ? m.group(1) + "," + m.group(2) : "?";
            }
            raw.put(e.path(), new Tree.Raw(t, e.mode() & 07777, e.uid(), e.gid(), e.size(), data, nlink, e.inode(),
                    mtime(stat)));
        }
        return Tree.of(raw);
    }

    private static byte[] content(Path dumps, Entry e, int flags) {
        try {
            Path f = dumps.resolve(Long.toString(e.inode()));
            byte[] b = Files.exists(f) ? Files.readAllBytes(f) : new byte[0];
            if ((flags & INLINE_DATA_FL) != 0 && b.length != e.size()) {
                b = Arrays.copyOf(b, (int) e.size());
            }
            return b;
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    static Instant mtime(String stat) {
        Matcher m = MTIME.matcher(stat);
        if (!m.find()) {
            return null;
        }
        long seconds = (int) Long.parseLong(m.group(1), 16);
        long nanos = 0;
        if (m.group(2) != null) {
            long extra = Long.parseLong(m.group(2), 16);
            seconds += (extra & 3) << 32;
            nanos = extra >>> 2;
        }
        return Instant.ofEpochSecond(seconds, nanos);
    }

    private static String find(Pattern p, String text, Entry e) {
        Matcher m = p.matcher(text);
        if (!m.find()) {
            throw new AssertionError("debugfs stat of " + e.path() + " has no " + p + ":\n" + text);
        }
        return m.group(1);
    }

    /** "ls -p" lines: /inode/mode/uid/gid/name/size/ (directories: an empty size). */
    private static List<Entry> parseLs(String text, String dirPath) {
        List<Entry> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (!line.startsWith("/")) {
                continue;
            }
            String[] head = line.split("/", 6);
            String rest = head[5];
            int end = rest.lastIndexOf('/', rest.length() - 2);
            String name = rest.substring(0, end);
            String size = rest.substring(end + 1, rest.length() - 1);
            long ino = Long.parseLong(head[1]);
            if (ino == 0) {
                continue;
            }
            out.add(new Entry(dirPath + "/" + name, ino, Integer.parseInt(head[2], 8), Long.parseLong(head[3]),
                    Long.parseLong(head[4]), size.isEmpty() ? 0 : Long.parseLong(size)));
        }
        return out;
    }

    /** Runs debugfs read-only with {@code commands}; each command's output, keyed by the command. */
    static Map<String, String> run(Path image, List<String> commands) {
        try {
            Path cmd = Files.createTempFile("debugfs-", ".cmd");
            try {
                Files.writeString(cmd, String.join("\n", commands) + "\n", StandardCharsets.ISO_8859_1);
                Tool.Result r = Tool.run(null, Map.of("TZ", "UTC"), "debugfs", "-f", cmd.toString(),
                        image.toString());
                if (r.exitCode() != 0) {
                    throw new AssertionError("debugfs failed on " + image + ": " + r.stderr());
                }
                for (String line : r.stderr().split("\n")) {
                    if (!line.isBlank() && !line.startsWith("debugfs ")) {
                        throw new AssertionError("debugfs complained on " + image + ": " + r.stderr());
                    }
                }
                return dev.platter.inspect.ext4.Debugfs.split(r.stdout());
            } finally {
                Files.deleteIfExists(cmd);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
