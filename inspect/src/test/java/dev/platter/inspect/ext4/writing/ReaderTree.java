package dev.platter.inspect.ext4.writing;

import dev.platter.core.BlockDevice;
import dev.platter.core.image.Image;
import dev.platter.core.image.Images;
import dev.platter.core.image.OpenOptions;
import dev.platter.core.storage.HostFiles;
import dev.platter.inspect.ext4.Ext4Driver;
import dev.platter.inspect.fs.DirEntry;
import dev.platter.inspect.fs.FileStat;
import dev.platter.inspect.fs.FileType;
import dev.platter.inspect.fs.FsOptions;
import dev.platter.inspect.fs.GuestFileSystem;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The tree through Platter's {@link GuestFileSystem} API: Platter's read-only ext reader on a closed image, or the
 * writer's own view while it is open. Every name listed is also looked up (through the hash index where there is
 * one), and must give the same inode.
 */
public final class ReaderTree {
    private ReaderTree() {
    }

    /** Opens {@code image} read-only (as a raw image, outside any fault injection) and reads its tree. */
    public static Tree read(Path image) {
        return read(image, (Map<String, byte[]>) null);
    }

    /** As {@link #read(Path)}, and the content of every regular file by path into {@code contents}. */
    public static Tree read(Path image, Map<String, byte[]> contents) {
        try {
            return HostFiles.using(HostFiles.FILES, () -> {
                try (Image img = Images.open(image, OpenOptions.readOnlyDefaults().withFormat("raw"))) {
                    GuestFileSystem fs = new Ext4Driver().open(img, FsOptions.defaults());
                    try {
                        return read(fs, contents);
                    } finally {
                        fs.close();
                    }
                }
            });
        } catch (Exception e) {
            throw new AssertionError("Platter's reader fails on " + image + ": " + e, e);
        }
    }

    /** The tree through {@code fs}. */
    public static Tree read(GuestFileSystem fs) throws IOException {
        return read(fs, null);
    }

    /** As {@link #read(GuestFileSystem)}, and every regular file's content by path into {@code contents}. */
    public static Tree read(GuestFileSystem fs, Map<String, byte[]> contents) throws IOException {
        Map<String, Tree.Raw> raw = new TreeMap<>();
        Deque<Object[]> dirs = new ArrayDeque<>();
        Set<Long> seen = new HashSet<>();
        dirs.add(new Object[] {"/", fs.rootInode()});
        seen.add(fs.rootInode());
        raw.put("/", raw(fs, fs.rootInode(), "/", contents));
        while (!dirs.isEmpty()) {
            Object[] d = dirs.poll();
            String dpath = (String) d[0];
            long dino = (Long) d[1];
            for (DirEntry e : fs.list(dino)) {
                String name = new String(e.rawName(), StandardCharsets.ISO_8859_1);
                String path = dpath.equals("/") ? "/" + name : dpath + "/" + name;
                DirEntry looked = fs.lookup(dino, e.rawName());
                if (looked == null || looked.inode() != e.inode()) {
                    throw new AssertionError("list names " + path + " -> inode " + e.inode() + ", lookup finds "
                            + looked);
                }
                Tree.Raw r = raw(fs, e.inode(), path, contents);
                if (e.type() != null && Tree.typeChar(typeMode(e.type())) != r.type()) {
                    throw new AssertionError(path + ": the directory entry says " + e.type() + ", the inode "
                            + r.type());
                }
                raw.put(path, r);
                if (r.type() == 'd') {
                    if (!seen.add(e.inode())) {
                        throw new AssertionError(path + ": directory inode " + e.inode() + " seen twice");
                    }
                    dirs.add(new Object[] {path, e.inode()});
                }
            }
        }
        return Tree.of(raw);
    }

    private static int typeMode(FileType t) {
        return switch (t) {
            case REGULAR -> 0x8000;
            case DIRECTORY -> 0x4000;
            case SYMLINK -> 0xA000;
            case CHAR_DEVICE -> 0x2000;
            case BLOCK_DEVICE -> 0x6000;
            case FIFO -> 0x1000;
            case SOCKET -> 0xC000;
            default -> 0;
        };
    }

    private static Tree.Raw raw(GuestFileSystem fs, long ino, String path, Map<String, byte[]> contents)
            throws IOException {
        FileStat st = fs.stat(ino);
        char t = Tree.typeChar(st.mode());
        String data = "";
        if (t == 'f') {
            byte[] b = content(fs, ino);
            if (b.length != st.size()) {
                throw new AssertionError(path + ": stat says " + st.size() + " bytes, the file reads " + b.length);
            }
            data = Tree.sha256(b);
            if (contents != null) {
                contents.put(path, b);
            }
        } else if (t == 'l') {
            data = new String(fs.readlink(ino), StandardCharsets.ISO_8859_1);
        } else if (t == 'c' || t == 'b') {
            data = st.rdevMajor() + "," + st.rdevMinor();
        }
        return new Tree.Raw(t, st.permissions(), st.uid(), st.gid(), st.size(), data, st.nlink(), ino, st.mtime());
    }

    static byte[] content(GuestFileSystem fs, long ino) throws IOException {
        BlockDevice dev = fs.open(ino);
        long size = dev.size();
        if (size > (1L << 30)) {
            throw new AssertionError("inode " + ino + " claims " + size + " bytes");
        }
        byte[] b = new byte[(int) size];
        dev.read(0, ByteBuffer.wrap(b));
        return Arrays.copyOf(b, b.length);
    }
}
