package dev.platter.inspect.ops;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.Platform;

import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Creates a symbolic link whose target is exactly the guest's bytes. java.nio parses a target into a Path, which
 * drops doubled slashes and cannot carry bytes the JVM's charset cannot decode; libc's symlink() takes the bytes as
 * they are. Falls back to java.nio where libc cannot be loaded.
 */
final class NativeSymlink {
    private static final int EEXIST = 17;
    private static final boolean AVAILABLE = load();

    private NativeSymlink() {
    }

    private static boolean load() {
        if (!Platform.isLinux() && !Platform.isMac()) {
            return false;
        }
        try {
            Native.register(NativeSymlink.class, Platform.C_LIBRARY_NAME);
            return true;
        } catch (Throwable e) {
            return false;
        }
    }

    private static native int symlink(byte[] target, byte[] linkpath) throws LastErrorException;

    /** Creates {@code link} pointing at {@code target} (raw bytes); fails if {@code link} exists. */
    static void create(Path link, byte[] target, String fallbackTarget) throws IOException {
        if (!AVAILABLE) {
            Files.createSymbolicLink(link, Path.of(fallbackTarget));
            return;
        }
        byte[] name = link.toString().getBytes(Charset.forName(System.getProperty("sun.jnu.encoding", "UTF-8")));
        try {
            symlink(Arrays.copyOf(target, target.length + 1), Arrays.copyOf(name, name.length + 1));
        } catch (LastErrorException e) {
            if (e.getErrorCode() == EEXIST) {
                throw new FileAlreadyExistsException(link.toString());
            }
            throw new IOException(link + ": symlink: error " + e.getErrorCode(), e);
        }
    }
}
