package dev.platter.inspect.ext4;

import dev.platter.core.BlockDevice;
import dev.platter.core.Bounds;
import dev.platter.core.Extent;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/** A writable image in memory that records its writes, so that any prefix of them can be applied to a copy. */
final class MemoryDevice implements BlockDevice {
    final byte[] bytes;
    private final List<Long> positions = new ArrayList<>();
    private final List<byte[]> writes = new ArrayList<>();

    MemoryDevice(byte[] bytes) {
        this.bytes = bytes;
    }

    int writeCount() {
        return writes.size();
    }

    /** {@code original} with the first {@code n} recorded writes applied. */
    byte[] after(byte[] original, int n) {
        byte[] b = original.clone();
        for (int i = 0; i < n; i++) {
            System.arraycopy(writes.get(i), 0, b, (int) (long) positions.get(i), writes.get(i).length);
        }
        return b;
    }

    @Override
    public long size() {
        return bytes.length;
    }

    @Override
    public boolean isReadOnly() {
        return false;
    }

    @Override
    public void read(long pos, ByteBuffer dst) throws IOException {
        Bounds.check(pos, dst.remaining(), bytes.length, describe());
        dst.put(bytes, (int) pos, dst.remaining());
    }

    @Override
    public void write(long pos, ByteBuffer src) throws IOException {
        Bounds.check(pos, src.remaining(), bytes.length, describe());
        byte[] b = new byte[src.remaining()];
        src.get(b);
        System.arraycopy(b, 0, bytes, (int) pos, b.length);
        positions.add(pos);
        writes.add(b);
    }

    @Override
    public void writeZeroes(long pos, long len) throws IOException {
        write(pos, ByteBuffer.wrap(new byte[Math.toIntExact(len)]));
    }

    @Override
    public void discard(long pos, long len) throws IOException {
        writeZeroes(pos, len);
    }

    @Override
    public void flush() {
    }

    @Override
    public Extent mapping(long pos, long maxLen) {
        return Extent.data(pos, Math.min(maxLen, bytes.length - pos), pos, null);
    }

    @Override
    public String describe() {
        return "memory image";
    }

    @Override
    public void close() {
    }
}
