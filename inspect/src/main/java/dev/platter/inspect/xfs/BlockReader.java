package dev.platter.inspect.xfs;

import dev.platter.core.BlockDevice;
import dev.platter.core.CorruptImageException;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Metadata reads from the filesystem's device through a small LRU cache bounded in bytes. A read that leaves the
 * device (a pointer into a truncated image) becomes a {@link CorruptImageException} naming what was being read.
 */
final class BlockReader {
    private static final long CACHE_BYTES = 16L << 20;

    private final BlockDevice device;
    private final Map<Long, byte[]> cache = new LinkedHashMap<>(256, 0.75f, true);
    private long cachedBytes;

    BlockReader(BlockDevice device) {
        this.device = device;
    }

    BlockDevice device() {
        return device;
    }

    /** {@code len} bytes at {@code pos}, shared from the cache: callers must not modify the array. */
    byte[] readCached(long pos, int len, String what) throws IOException {
        synchronized (cache) {
            byte[] hit = cache.get(pos);
            if (hit != null && hit.length == len) {
                return hit;
            }
        }
        byte[] b = read(pos, len, what);
        synchronized (cache) {
            byte[] old = cache.put(pos, b);
            if (old != null) {
                cachedBytes -= old.length;
            }
            cachedBytes += b.length;
            var it = cache.entrySet().iterator();
            while (cachedBytes > CACHE_BYTES && it.hasNext()) {
                var e = it.next();
                if (e.getKey() == pos) {
                    continue;
                }
                cachedBytes -= e.getValue().length;
                it.remove();
            }
        }
        return b;
    }

    /** {@code len} fresh bytes at {@code pos}, not cached (bulk reads such as whole-directory listings). */
    byte[] read(long pos, int len, String what) throws IOException {
        byte[] b = new byte[len];
        readInto(pos, b, 0, len, what);
        return b;
    }

    void readInto(long pos, byte[] b, int off, int len, String what) throws IOException {
        if (pos < 0 || len > device.size() || pos > device.size() - len) {
            throw new CorruptImageException(what, pos, len + " bytes at this offset lie past the end of "
                    + device.describe() + " (" + device.size() + " bytes): the image may be truncated");
        }
        try {
            device.read(pos, ByteBuffer.wrap(b, off, len));
        } catch (EOFException e) {
            throw new CorruptImageException(what, pos, "read past the end of " + device.describe(), e);
        }
    }

    /** Reads {@code dst.remaining()} bytes at {@code pos} straight into {@code dst} (file contents). */
    void readInto(long pos, ByteBuffer dst, String what) throws IOException {
        int len = dst.remaining();
        if (pos < 0 || len > device.size() || pos > device.size() - len) {
            throw new CorruptImageException(what, pos, len + " bytes at this offset lie past the end of "
                    + device.describe() + " (" + device.size() + " bytes): the image may be truncated");
        }
        try {
            device.read(pos, dst);
        } catch (EOFException e) {
            throw new CorruptImageException(what, pos, "read past the end of " + device.describe(), e);
        }
    }
}
