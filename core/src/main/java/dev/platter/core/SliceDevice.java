package dev.platter.core;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A window of another device: a partition, an LVM segment, a VMDK extent. Reads, writes and mappings are
 * translated by the slice's offset; closing a slice leaves the parent open.
 */
public final class SliceDevice implements BlockDevice {
    private final BlockDevice parent;
    private final long offset;
    private final long length;
    private final String label;

    private SliceDevice(BlockDevice parent, long offset, long length, String label) {
        this.parent = parent;
        this.offset = offset;
        this.length = length;
        this.label = label;
    }

    /**
     * A slice of {@code length} bytes at {@code offset} of {@code parent}.
     *
     * @param label shown in {@link #describe()}, e.g. "partition 2"
     * @throws java.io.EOFException when the window does not fit inside the parent (as read from a damaged table)
     */
    public static SliceDevice of(BlockDevice parent, long offset, long length, String label) throws IOException {
        if (offset < 0 || length < 0) {
            throw new IllegalArgumentException("negative slice " + offset + "+" + length + " of " + parent.describe());
        }
        Bounds.check(offset, length, parent.size(), parent.describe() + " (for " + label + ")");
        return new SliceDevice(parent, offset, length, label);
    }

    public BlockDevice parent() {
        return parent;
    }

    public long offset() {
        return offset;
    }

    @Override
    public long size() {
        return length;
    }

    @Override
    public boolean isReadOnly() {
        return parent.isReadOnly();
    }

    @Override
    public void read(long pos, ByteBuffer dst) throws IOException {
        Bounds.check(pos, dst.remaining(), length, describe());
        parent.read(offset + pos, dst);
    }

    @Override
    public void write(long pos, ByteBuffer src) throws IOException {
        Bounds.check(pos, src.remaining(), length, describe());
        parent.write(offset + pos, src);
    }

    @Override
    public void writeZeroes(long pos, long len) throws IOException {
        Bounds.check(pos, len, length, describe());
        parent.writeZeroes(offset + pos, len);
    }

    @Override
    public void discard(long pos, long len) throws IOException {
        Bounds.check(pos, len, length, describe());
        parent.discard(offset + pos, len);
    }

    @Override
    public void flush() throws IOException {
        parent.flush();
    }

    @Override
    public Extent mapping(long pos, long maxLen) throws IOException {
        Bounds.checkMapping(pos, maxLen, length, describe());
        Extent e = parent.mapping(offset + pos, Math.min(maxLen, length - pos));
        return e.withStart(pos);
    }

    @Override
    public String describe() {
        return parent.describe() + " [" + label + "]";
    }

    @Override
    public void close() {
        // A view: the parent's owner closes it.
    }
}
