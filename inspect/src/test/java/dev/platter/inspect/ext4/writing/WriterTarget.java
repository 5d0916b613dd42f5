package dev.platter.inspect.ext4.writing;

import dev.platter.core.image.Image;
import dev.platter.core.image.Images;
import dev.platter.core.image.OpenOptions;
import dev.platter.inspect.ext4.Ext4Driver;
import dev.platter.inspect.fs.DirEntry;
import dev.platter.inspect.fs.FileType;
import dev.platter.inspect.fs.FsOptions;
import dev.platter.inspect.fs.WritableFileSystem;

import java.io.ByteArrayInputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;

/**
 * The writer under test: a raw image opened read-write through core's image layer (so that fault injection sees
 * every write), and {@code Ext4Driver.openWritable} on it. Paths are resolved with the writer's own lookups.
 * {@link #commit} is the writer's commit followed by a flush of the image.
 */
public final class WriterTarget implements Target {
    private final Path image;
    private Image img;
    private WritableFileSystem fs;

    public WriterTarget(Path image) throws IOException {
        this.image = image;
        open();
    }

    private void open() throws IOException {
        img = Images.open(image, OpenOptions.readWriteDefaults().withFormat("raw"));
        try {
            fs = new Ext4Driver().openWritable(img, FsOptions.defaults());
        } catch (IOException | RuntimeException e) {
            img.close();
            throw e;
        }
    }

    /** The writer, for reading its own view. */
    public WritableFileSystem fs() {
        return fs;
    }

    private static byte[] name(String path) {
        return ModelFs.nameOf(path).getBytes(StandardCharsets.ISO_8859_1);
    }

    private long ino(String path) throws IOException {
        long cur = fs.rootInode();
        if (path.equals("/")) {
            return cur;
        }
        for (String part : path.substring(1).split("/")) {
            DirEntry e = fs.lookup(cur, part.getBytes(StandardCharsets.ISO_8859_1));
            if (e == null) {
                throw new FileNotFoundException("the writer's lookup finds no " + part + " on the way to " + path);
            }
            cur = e.inode();
        }
        return cur;
    }

    private long parent(String path) throws IOException {
        return ino(ModelFs.parentOf(path));
    }

    private static WritableFileSystem.Attributes attributes(ModelFs.Attr a) {
        return new WritableFileSystem.Attributes(a.perm(), a.uid(), a.gid(), a.atime(), a.mtime());
    }

    @Override
    public void mkdir(String path, ModelFs.Attr a) throws IOException {
        fs.mkdir(parent(path), name(path), attributes(a));
    }

    @Override
    public void createFile(String path, ModelFs.Attr a, byte[] data) throws IOException {
        fs.createFile(parent(path), name(path), attributes(a), new ByteArrayInputStream(data), data.length);
    }

    @Override
    public void symlink(String path, String target, ModelFs.Attr a) throws IOException {
        fs.symlink(parent(path), name(path), target.getBytes(StandardCharsets.ISO_8859_1), attributes(a));
    }

    @Override
    public void mknod(String path, char type, long major, long minor, ModelFs.Attr a) throws IOException {
        FileType t = switch (type) {
            case 'p' -> FileType.FIFO;
            case 's' -> FileType.SOCKET;
            case 'c' -> FileType.CHAR_DEVICE;
            case 'b' -> FileType.BLOCK_DEVICE;
            default -> throw new IllegalArgumentException("mknod type " + type);
        };
        fs.mknod(parent(path), name(path), t, major, minor, attributes(a));
    }

    @Override
    public void link(String existing, String path) throws IOException {
        fs.link(parent(path), name(path), ino(existing));
    }

    @Override
    public void unlink(String path) throws IOException {
        fs.unlink(parent(path), name(path));
    }

    @Override
    public void rmdir(String path) throws IOException {
        fs.rmdir(parent(path), name(path));
    }

    @Override
    public void rename(String from, String to) throws IOException {
        fs.rename(parent(from), name(from), parent(to), name(to));
    }

    @Override
    public void replaceContent(String path, byte[] data) throws IOException {
        fs.replaceContent(ino(path), new ByteArrayInputStream(data), data.length);
    }

    @Override
    public void truncate(String path, long size) throws IOException {
        fs.truncate(ino(path), size);
    }

    @Override
    public void chmod(String path, int perm) throws IOException {
        fs.chmod(ino(path), perm);
    }

    @Override
    public void chown(String path, long uid, long gid) throws IOException {
        fs.chown(ino(path), uid, gid);
    }

    @Override
    public void setTimes(String path, Instant atime, Instant mtime) throws IOException {
        fs.setTimes(ino(path), atime, mtime);
    }

    @Override
    public void commit() throws IOException {
        fs.commit();
        img.flush();
    }

    @Override
    public void reopen() throws IOException {
        close();
        open();
    }

    @Override
    public void close() throws IOException {
        if (fs == null) {
            return;
        }
        try {
            fs.close();
            img.flush();
        } finally {
            fs = null;
            img.close();
        }
    }
}
