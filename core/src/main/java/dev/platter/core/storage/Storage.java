package dev.platter.core.storage;

import dev.platter.core.ReadOnlyDeviceException;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * The host side of an image: positional bytes of one host object (a file, memory). Unlike a
 * {@link dev.platter.core.BlockDevice} its size changes as it is written, and it knows its holes where the host
 * can tell. Positional and thread-safe like a device.
 */
public interface Storage extends Closeable {

    /** The name the caller gave (the path as typed), used in messages and in {@code info}. */
    String name();

    /** The host path, or null for storage that is not a file. */
    Path path();

    long size() throws IOException;

    boolean isReadOnly();

    /**
     * Reads up to {@code dst.remaining()} bytes at {@code pos}; stops early only at the end of the storage.
     *
     * @return the number of bytes read (0 at or past the end)
     */
    int readAt(long pos, ByteBuffer dst) throws IOException;

    /** Reads exactly {@code dst.remaining()} bytes or fails with {@link EOFException}. */
    default void readFully(long pos, ByteBuffer dst) throws IOException {
        int want = dst.remaining();
        int got = readAt(pos, dst);
        if (got < want) {
            throw new EOFException(name() + ": read of " + want + " bytes at offset " + pos
                    + " ends past the end of the file (" + size() + " bytes)");
        }
    }

    /** Writes all of {@code src} at {@code pos}, growing the storage if needed. */
    void write(long pos, ByteBuffer src) throws IOException;

    /**
     * Truncates or extends (with a hole) to {@code size} bytes. A {@link #isBlockDevice() block device} keeps its
     * size: only that size is accepted, anything else fails with qemu's "Cannot resize device files".
     */
    void setSize(long size) throws IOException;

    void flush() throws IOException;

    /** Makes the range read as zeros and frees its space where the host can; never changes the size. */
    void punchHole(long pos, long len) throws IOException;

    /** Reserves space for the range (fallocate), growing the storage if the range ends past it. */
    void allocate(long pos, long len) throws IOException;

    /** Whether the bytes at {@code pos} are stored data or a hole, and how far that lasts. */
    HostRun run(long pos) throws IOException;

    /**
     * Whether this is a host block device: its size is fixed, it has no holes to ask for (all data), and it can be
     * neither created nor emptied, only written in place.
     */
    default boolean isBlockDevice() {
        return false;
    }

    /** Bytes the host has allocated for this storage (st_blocks x 512), or -1 when unknown. */
    long allocatedBytes() throws IOException;

    /**
     * Once {@code afterBytes} more bytes have been written through the page cache, send writes that are aligned to
     * the host's block size (position, length and a direct buffer's address) straight to the device (O_DIRECT);
     * other writes still go through the cache. Reads are unaffected and see every write.
     *
     * @return whether the host supports it (false for memory, for read-only storage, or where O_DIRECT fails)
     */
    default boolean bypassPageCacheForAlignedWrites(long afterBytes) {
        return false;
    }

    /**
     * Takes qemu's image locks for {@code lock} on the host file, held until close (a second call changes them), or
     * fails with {@link ImageLockedException} naming the permission another open holds or refuses to share.
     * Storage that is not a host file has nothing to lock.
     */
    default void lock(ImageLock lock) throws IOException {
    }

    /** The file channel behind this storage, for in-kernel copies; null when there is none. */
    default FileChannel channel() {
        return null;
    }

    /** Helper for implementations: refuses a write on read-only storage. */
    default void checkWritable() throws ReadOnlyDeviceException {
        if (isReadOnly()) {
            throw new ReadOnlyDeviceException(name());
        }
    }
}
