package dev.platter.core;

import dev.platter.core.storage.HostRun;
import dev.platter.core.storage.Storage;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A block device whose bytes are a storage's bytes one to one (a raw image). Its size is fixed when it is made
 * and may exceed the storage's: the missing tail reads as zeros and is written on demand. The mapping comes
 * from the host's holes: data runs are DATA, holes are ZERO, both with their host offset.
 */
public class StorageDevice implements BlockDevice {
    private static final int ZERO_CHUNK = 1 << 20;

    private final Storage storage;
    private volatile long size;

    public StorageDevice(Storage storage, long size) {
        this.storage = storage;
        this.size = size;
    }

    public Storage storage() {
        return storage;
    }

    /** Changes the device's size (the storage is resized by the caller). */
    protected void setDeviceSize(long newSize) {
        this.size = newSize;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public boolean isReadOnly() {
        return storage.isReadOnly();
    }

    @Override
    public void read(long pos, ByteBuffer dst) throws IOException {
        Bounds.check(pos, dst.remaining(), size, describe());
        int got = storage.readAt(pos, dst);
        // Past the end of the host file (a size rounded up to a sector): zeros.
        while (dst.hasRemaining()) {
            dst.put((byte) 0);
        }
        assert got >= 0;
    }

    @Override
    public void write(long pos, ByteBuffer src) throws IOException {
        checkWritable();
        Bounds.check(pos, src.remaining(), size, describe());
        storage.write(pos, src);
    }

    @Override
    public void writeZeroes(long pos, long len) throws IOException {
        checkWritable();
        Bounds.check(pos, len, size, describe());
        long fileSize = storage.size();
        if (pos < fileSize) {
            storage.punchHole(pos, Math.min(len, fileSize - pos));
        }
        // Bytes past the host file's end already read as zeros.
    }

    @Override
    public void discard(long pos, long len) throws IOException {
        writeZeroes(pos, len);
    }

    @Override
    public void flush() throws IOException {
        storage.flush();
    }

    @Override
    public Extent mapping(long pos, long maxLen) throws IOException {
        Bounds.checkMapping(pos, maxLen, size, describe());
        long limit = Math.min(maxLen, size - pos);
        long fileSize = storage.size();
        if (pos >= fileSize) {
            // The tail past the host file (a size rounded up to a sector) reads as zeros; qemu-img map still gives
            // it a host offset.
            return Extent.zero(pos, limit, pos, storage);
        }
        HostRun run = storage.run(pos);
        long len = Math.min(limit, run.length());
        return run.data() ? Extent.data(pos, len, pos, storage) : Extent.zero(pos, len, pos, storage);
    }

    @Override
    public String describe() {
        return storage.name();
    }

    @Override
    public void close() throws IOException {
        storage.close();
    }

    protected void checkWritable() throws ReadOnlyDeviceException {
        if (isReadOnly()) {
            throw new ReadOnlyDeviceException(describe());
        }
    }
}
