package dev.platter.inspect.ext4.writing;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;

/**
 * The same operations on a folder of the host (Linux, as root for owners and device nodes): what the kernel does
 * with them is the reference for the harness's own model, and {@code mke2fs -d} turns the folder into an image.
 */
public final class HostTarget implements Target {
    private final Path root;

    public HostTarget(Path root) {
        this.root = root;
    }

    private Path p(String path) {
        return path.equals("/") ? root : root.resolve(path.substring(1));
    }

    private void attrs(String path, ModelFs.Attr a, boolean symlink) throws IOException {
        Path f = p(path);
        Libc.lchown(f, a.uid(), a.gid());
        if (!symlink) {
            Libc.chmod(f, a.perm());
        }
        setTimes(path, a.atime(), a.mtime());
    }

    @Override
    public void mkdir(String path, ModelFs.Attr a) throws IOException {
        Files.createDirectory(p(path));
        attrs(path, a, false);
    }

    @Override
    public void createFile(String path, ModelFs.Attr a, byte[] data) throws IOException {
        write(p(path), data, true);
        attrs(path, a, false);
    }

    /** Writes {@code data} leaving 4 KiB blocks of zeros as holes. */
    private static void write(Path f, byte[] data, boolean create) throws IOException {
        try (FileChannel ch = create
                ? FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)
                : FileChannel.open(f, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            for (int at = 0; at < data.length; at += 4096) {
                int len = Math.min(4096, data.length - at);
                boolean zero = true;
                for (int i = at; i < at + len && zero; i++) {
                    zero = data[i] == 0;
                }
                if (!zero) {
                    ch.write(ByteBuffer.wrap(data, at, len), at);
                }
            }
        }
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.setLength(data.length);
        }
    }

    @Override
    public void symlink(String path, String target, ModelFs.Attr a) throws IOException {
        Libc.symlink(target, p(path));
        attrs(path, a, true);
    }

    @Override
    public void mknod(String path, char type, long major, long minor, ModelFs.Attr a) throws IOException {
        int fmt = switch (type) {
            case 'p' -> 0x1000;
            case 's' -> 0xC000;
            case 'c' -> 0x2000;
            case 'b' -> 0x6000;
            default -> throw new IllegalArgumentException("mknod " + type);
        };
        long dev = ((major & 0xfffff000L) << 32) | ((major & 0xfffL) << 8) | ((minor & 0xffffff00L) << 12)
                | (minor & 0xffL);
        Libc.mknod(p(path), fmt | 0600, dev);
        attrs(path, a, false);
    }

    @Override
    public void link(String existing, String path) throws IOException {
        Files.createLink(p(path), p(existing));
    }

    @Override
    public void unlink(String path) throws IOException {
        Files.delete(p(path));
    }

    @Override
    public void rmdir(String path) throws IOException {
        Files.delete(p(path));
    }

    @Override
    public void rename(String from, String to) throws IOException {
        Files.move(p(from), p(to), StandardCopyOption.ATOMIC_MOVE);
    }

    @Override
    public void replaceContent(String path, byte[] data) throws IOException {
        write(p(path), data, false);
    }

    @Override
    public void truncate(String path, long size) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(p(path).toFile(), "rw")) {
            raf.setLength(size);
        }
    }

    @Override
    public void chmod(String path, int perm) throws IOException {
        Libc.chmod(p(path), perm);
    }

    @Override
    public void chown(String path, long uid, long gid) throws IOException {
        Path f = p(path);
        boolean symlink = Files.isSymbolicLink(f);
        int mode = symlink ? 0 : (Integer) Files.getAttribute(f, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
        Libc.lchown(f, uid, gid);
        if (!symlink) {
            Libc.chmod(f, mode); // chown drops setuid and setgid
        }
    }

    @Override
    public void setTimes(String path, Instant atime, Instant mtime) throws IOException {
        // utimensat without following links, and without opening the file (a FIFO would block).
        long[] times = {
            atime == null ? 0 : atime.getEpochSecond(), atime == null ? Libc.UTIME_OMIT : atime.getNano(),
            mtime == null ? 0 : mtime.getEpochSecond(), mtime == null ? Libc.UTIME_OMIT : mtime.getNano()};
        Libc.utimensat(p(path), times);
    }

    @Override
    public void commit() {
    }

    @Override
    public void reopen() {
    }

    @Override
    public void close() {
    }
}
