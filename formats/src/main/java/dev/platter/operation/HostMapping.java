package dev.platter.operation;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Read-only memory maps of host file ranges, unmapped as soon as they are done with: reading data through a map
 * and writing it from there saves one copy of every byte compared with read-then-write. Unavailable (null) where
 * the JDK does not let a map be released early; callers then read into a buffer.
 */
final class HostMapping {
    /** Smaller ranges are cheaper to read than to map. */
    static final int MIN_BYTES = 256 * 1024;
    private static final boolean ENABLED = !"false".equals(System.getProperty("platter.convert.mmap"));
    private static final Object UNSAFE;
    private static final Method INVOKE_CLEANER;

    static {
        Object unsafe = null;
        Method cleaner = null;
        try {
            Class<?> c = Class.forName("sun.misc.Unsafe");
            Field f = c.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            unsafe = f.get(null);
            cleaner = c.getMethod("invokeCleaner", ByteBuffer.class);
        } catch (ReflectiveOperationException | RuntimeException e) {
            unsafe = null;
            cleaner = null;
        }
        UNSAFE = unsafe;
        INVOKE_CLEANER = cleaner;
    }

    private HostMapping() {
    }

    static boolean available() {
        return ENABLED && INVOKE_CLEANER != null;
    }

    /** Maps {@code len} bytes at {@code pos}, which must lie inside the file; null when mapping is unavailable. */
    static MappedByteBuffer map(FileChannel channel, long pos, int len) throws IOException {
        if (!available()) {
            return null;
        }
        return channel.map(FileChannel.MapMode.READ_ONLY, pos, len);
    }

    /** Releases a map now rather than at some later garbage collection. */
    static void unmap(ByteBuffer mapped) {
        try {
            INVOKE_CLEANER.invoke(UNSAFE, mapped);
        } catch (ReflectiveOperationException | RuntimeException e) {
            // Left to the garbage collector.
        }
    }
}
