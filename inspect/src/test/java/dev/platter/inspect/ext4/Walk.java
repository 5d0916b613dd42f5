package dev.platter.inspect.ext4;

import dev.platter.inspect.fs.DirEntry;
import dev.platter.inspect.fs.FileType;
import dev.platter.inspect.fs.GuestFileSystem;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** A breadth-first walk of a whole filesystem through the GuestFileSystem API, visiting each directory once. */
final class Walk {
    /** One name: its path (bytes as ISO-8859-1), the entry, and whether it is a directory. */
    record Node(String path, DirEntry entry) {
        boolean isDir() {
            return entry.type() == FileType.DIRECTORY;
        }
    }

    private Walk() {
    }

    static List<Node> all(GuestFileSystem fs) throws IOException {
        List<Node> nodes = new ArrayList<>();
        Set<Long> seenDirs = new HashSet<>();
        Deque<Node> dirs = new ArrayDeque<>();
        Node root = new Node("/", new DirEntry(new byte[0], fs.rootInode(), FileType.DIRECTORY));
        dirs.add(root);
        seenDirs.add(fs.rootInode());
        while (!dirs.isEmpty()) {
            Node d = dirs.poll();
            for (DirEntry e : fs.list(d.entry().inode())) {
                String name = new String(e.rawName(), StandardCharsets.ISO_8859_1);
                Node n = new Node(d.path().equals("/") ? "/" + name : d.path() + "/" + name, e);
                nodes.add(n);
                if (n.isDir() && seenDirs.add(e.inode())) {
                    dirs.add(n);
                }
            }
        }
        return nodes;
    }

    static byte[] bytes(String isoPath) {
        return isoPath.getBytes(StandardCharsets.ISO_8859_1);
    }
}
