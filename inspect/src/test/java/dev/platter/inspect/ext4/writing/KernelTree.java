package dev.platter.inspect.ext4.writing;

import dev.platter.testdata.Tool;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.TreeMap;

/**
 * The tree as the Linux kernel sees it: the image mounted read-only through a loop device ({@code mount -o
 * loop,ro}), walked with readdir (the hash index's order on indexed directories) and stat by path (lookups through
 * the index). Needs root and loop devices: {@link #unavailable()} says why not, and tests skip that part visibly
 * (or fail under PLATTER_REQUIRE_TOOLS=1, see {@link Skips}).
 */
public final class KernelTree {
    private static volatile String unavailable;
    private static volatile boolean checked;

    private KernelTree() {
    }

    /** Why the kernel cannot be asked here, or null when it can. */
    public static String unavailable() {
        if (!checked) {
            unavailable = probe();
            checked = true;
        }
        return unavailable;
    }

    private static String probe() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:") && !line.split("\\s+")[2].equals("0")) {
                    return "not running as root (mount -o loop needs it)";
                }
            }
        } catch (IOException e) {
            return "cannot read /proc/self/status";
        }
        if (Tool.find("mount") == null || Tool.find("umount") == null) {
            return "mount is not installed";
        }
        if (!Files.exists(Path.of("/dev/loop-control"))) {
            return "no /dev/loop-control (the loop module is not loaded)";
        }
        return null;
    }

    /** Mounts {@code image} read-only on a folder under {@code scratch}, reads the whole tree, unmounts. */
    public static Tree read(Path image, Path scratch) {
        try {
            Path mnt = Files.createTempDirectory(scratch, "mnt-");
            Tool.Result m = Tool.run("mount", "-o", "loop,ro", "-t", "ext4", image.toString(), mnt.toString());
            if (m.exitCode() != 0) {
                Files.deleteIfExists(mnt);
                String dmesg = Tool.run("dmesg").stdout();
                String tail = dmesg.lines().skip(Math.max(0, dmesg.lines().count() - 8))
                        .reduce("", (a, b) -> a + b + "\n");
                throw new AssertionError("the kernel refuses to mount " + image + ": " + m.stderr() + "\n" + tail);
            }
            try {
                return walk(mnt);
            } finally {
                Tool.Result u = Tool.run("umount", mnt.toString());
                if (u.exitCode() != 0) {
                    Tool.run("umount", "-l", mnt.toString());
                }
                Files.deleteIfExists(mnt);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Tree walk(Path mnt) throws IOException {
        Map<String, Tree.Raw> raw = new TreeMap<>();
        Files.walkFileTree(mnt, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                add(dir);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                add(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException exc) throws IOException {
                throw exc;
            }

            private void add(Path p) throws IOException {
                Map<String, Object> a = Files.readAttributes(p, "unix:mode,ino,nlink,uid,gid,size,lastModifiedTime,rdev",
                        LinkOption.NOFOLLOW_LINKS);
                int mode = (Integer) a.get("mode");
                char t = Tree.typeChar(mode);
                String data = "";
                long size = (Long) a.get("size");
                if (t == 'f') {
                    data = Tree.sha256(Files.readAllBytes(p));
                } else if (t == 'l') {
                    data = Libc.readlink(p);
                } else if (t == 'c' || t == 'b') {
                    long rdev = (Long) a.get("rdev");
                    long major = ((rdev >>> 8) & 0xfff) | ((rdev >>> 32) & ~0xfffL);
                    long minor = (rdev & 0xff) | ((rdev >>> 12) & ~0xffL);
                    data = major + "," + minor;
                }
                String rel = mnt.relativize(p).toString();
                raw.put("/" + rel, new Tree.Raw(t, mode & 07777, (Integer) a.get("uid") & 0xffffffffL,
                        (Integer) a.get("gid") & 0xffffffffL, size, data, (Integer) a.get("nlink"), a.get("ino"),
                        ((FileTime) a.get("lastModifiedTime")).toInstant()));
            }
        });
        // The walk named the root "/" + "" = "/".
        return Tree.of(raw);
    }
}
