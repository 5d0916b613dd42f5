package dev.platter.core;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;

/**
 * Devices laid end to end: LVM linear segments, VMDK extents, several convert sources. Thread-safe if its parts
 * are. Closing the concatenation closes its parts only if it owns them.
 */
public final class ConcatDevice implements BlockDevice {
    private final BlockDevice[] parts;
    /** starts[i] is the offset of parts[i]; starts[parts.length] is the total size. */
    private final long[] starts;
    private final String label;
    private final boolean ownsParts;

    public ConcatDevice(List<? extends BlockDevice> parts, String label, boolean ownsParts) {
        this.parts = parts.toArray(new BlockDevice[0]);
        this.starts = new long[this.parts.length + 1];
        for (int i = 0; i < this.parts.length; i++) {
            starts[i + 1] = Math.addExact(starts[i], this.parts[i].size());
        }
        this.label = label;
        this.ownsParts = ownsParts;
    }

    public List<BlockDevice> parts() {
        return List.of(parts);
    }

    @Override
    public long size() {
        return starts[parts.length];
    }

    @Override
    public boolean isReadOnly() {
        for (BlockDevice p : parts) {
            if (p.isReadOnly()) {
                return true;
            }
        }
        return false;
    }

    /** Index of the part holding byte {@code pos} (which must be inside the device). */
    private int partAt(long pos) {
        int i = Arrays.binarySearch(starts, pos);
        int idx = i >= 0 ? i : -i - 2;
        // Skip empty parts that share their start with the next one.
        while (idx < parts.length - 1 && starts[idx + 1] <= pos) {
            idx++;
        }
        return idx;
    }

    /** One piece of a range, in the part that holds it; {@code offset} is the piece's distance from the start. */
    @FunctionalInterface
    private interface PartOp {
        void apply(BlockDevice part, long partPos, long len, long offset) throws IOException;
    }

    private void forEachPart(long pos, long len, PartOp op) throws IOException {
        long done = 0;
        while (done < len) {
            long p = pos + done;
            int idx = partAt(p);
            long n = Math.min(len - done, starts[idx + 1] - p);
            op.apply(parts[idx], p - starts[idx], n, done);
            done += n;
        }
    }

    @Override
    public void read(long pos, ByteBuffer dst) throws IOException {
        Bounds.check(pos, dst.remaining(), size(), describe());
        int base = dst.position();
        forEachPart(pos, dst.remaining(), (part, partPos, len, off) ->
                part.read(partPos, dst.duplicate().position(base + (int) off).limit(base + (int) (off + len))));
        dst.position(dst.limit());
    }

    @Override
    public void write(long pos, ByteBuffer src) throws IOException {
        Bounds.check(pos, src.remaining(), size(), describe());
        int base = src.position();
        forEachPart(pos, src.remaining(), (part, partPos, len, off) ->
                part.write(partPos, src.duplicate().position(base + (int) off).limit(base + (int) (off + len))));
        src.position(src.limit());
    }

    @Override
    public void writeZeroes(long pos, long len) throws IOException {
        Bounds.check(pos, len, size(), describe());
        forEachPart(pos, len, (part, partPos, n, off) -> part.writeZeroes(partPos, n));
    }

    @Override
    public void discard(long pos, long len) throws IOException {
        Bounds.check(pos, len, size(), describe());
        forEachPart(pos, len, (part, partPos, n, off) -> part.discard(partPos, n));
    }

    @Override
    public void flush() throws IOException {
        for (BlockDevice p : parts) {
            p.flush();
        }
    }

    @Override
    public Extent mapping(long pos, long maxLen) throws IOException {
        Bounds.checkMapping(pos, maxLen, size(), describe());
        int idx = partAt(pos);
        long partPos = pos - starts[idx];
        long n = Math.min(maxLen, starts[idx + 1] - pos);
        return parts[idx].mapping(partPos, n).withStart(pos);
    }

    @Override
    public String describe() {
        return label;
    }

    @Override
    public void close() throws IOException {
        if (!ownsParts) {
            return;
        }
        IOException first = null;
        for (BlockDevice p : parts) {
            try {
                p.close();
            } catch (IOException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
