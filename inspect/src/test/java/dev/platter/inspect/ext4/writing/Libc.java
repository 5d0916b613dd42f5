package dev.platter.inspect.ext4.writing;

import com.sun.jna.Library;
import com.sun.jna.Native;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The few libc calls the JDK lacks or does its own way: chmod keeping setuid bits, lchown, mknod, utimensat
 * without opening the file, and symlink/readlink with the target's bytes as they are (java.nio.file.Path would
 * fold "//" and drop a trailing "/").
 */
final class Libc {
    private interface C extends Library {
        C INSTANCE = Native.load("c", C.class);

        int chmod(String path, int mode);

        int lchown(String path, int uid, int gid);

        int mknod(String path, int mode, long dev);

        int utimensat(int dirfd, String path, long[] times, int flags);

        int symlink(byte[] target, String path);

        long readlink(String path, byte[] buf, long size);
    }

    static final int AT_FDCWD = -100;
    static final int AT_SYMLINK_NOFOLLOW = 0x100;
    static final long UTIME_OMIT = (1L << 30) - 2;

    private Libc() {
    }

    private static void check(int rc, String what) throws IOException {
        if (rc != 0) {
            throw new IOException(what + " failed: errno " + Native.getLastError());
        }
    }

    static void chmod(Path p, int mode) throws IOException {
        check(C.INSTANCE.chmod(p.toString(), mode), "chmod " + p);
    }

    static void lchown(Path p, long uid, long gid) throws IOException {
        check(C.INSTANCE.lchown(p.toString(), (int) uid, (int) gid), "lchown " + p);
    }

    static void mknod(Path p, int mode, long dev) throws IOException {
        check(C.INSTANCE.mknod(p.toString(), mode, dev), "mknod " + p);
    }

    static void utimensat(Path p, long[] times) throws IOException {
        check(C.INSTANCE.utimensat(AT_FDCWD, p.toString(), times, AT_SYMLINK_NOFOLLOW), "utimensat " + p);
    }

    static void symlink(String target, Path p) throws IOException {
        byte[] t = target.getBytes(StandardCharsets.ISO_8859_1);
        byte[] z = new byte[t.length + 1];
        System.arraycopy(t, 0, z, 0, t.length);
        check(C.INSTANCE.symlink(z, p.toString()), "symlink " + p);
    }

    static String readlink(Path p) throws IOException {
        byte[] buf = new byte[8192];
        long n = C.INSTANCE.readlink(p.toString(), buf, buf.length);
        if (n < 0) {
            throw new IOException("readlink " + p + " failed: errno " + Native.getLastError());
        }
        return new String(buf, 0, (int) n, StandardCharsets.ISO_8859_1);
    }
}
