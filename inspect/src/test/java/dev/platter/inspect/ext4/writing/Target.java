package dev.platter.inspect.ext4.writing;

import java.io.IOException;
import java.time.Instant;

/** Where a planned operation is applied, by path: the writer under test, or a host folder (the harness's check). */
public interface Target extends AutoCloseable {
    void mkdir(String path, ModelFs.Attr a) throws IOException;

    void createFile(String path, ModelFs.Attr a, byte[] data) throws IOException;

    void symlink(String path, String target, ModelFs.Attr a) throws IOException;

    void mknod(String path, char type, long major, long minor, ModelFs.Attr a) throws IOException;

    void link(String existing, String path) throws IOException;

    void unlink(String path) throws IOException;

    void rmdir(String path) throws IOException;

    void rename(String from, String to) throws IOException;

    void replaceContent(String path, byte[] data) throws IOException;

    void truncate(String path, long size) throws IOException;

    void chmod(String path, int perm) throws IOException;

    void chown(String path, long uid, long gid) throws IOException;

    void setTimes(String path, Instant atime, Instant mtime) throws IOException;

    /** Makes everything so far durable. */
    void commit() throws IOException;

    /** Closes and opens again (the writer reads its own committed state back). */
    void reopen() throws IOException;

    @Override
    void close() throws IOException;
}
