package dev.platter.inspect.volume;

import dev.platter.core.BlockDevice;
import dev.platter.core.Bounds;
import dev.platter.core.Extent;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * Legs of equal size interleaved in chunks (an LVM striped segment, RAID 0): chunk {@code c} of the device is
 * chunk {@code c / n} of leg {@code c mod n}. Every operation is split at chunk boundaries, and so is the mapping,
 * so each run reports its own leg's allocation status. Thread-safe if the legs are; closing leaves them open.
 */
public final class StripedDevice implements BlockDevice {
    private final BlockDevice[] legs;
    private final long chunk;
    private final long size;
    private final String label;

    /**
     * @param legs  the legs, all of the same size, a multiple of {@code chunk}
     * @param chunk the stripe (chunk) size in bytes
     * @param label shown by {@link #describe()}
     */
    public StripedDevice(List<? extends BlockDevice> legs, long chunk, String label) {
        if (legs.isEmpty() || chunk <= 0) {
            throw new IllegalArgumentException("a striped device needs legs and a positive chunk size");
        }
        this.legs = legs.toArray(new BlockDevice[0]);
        long legSize = this.legs[0].size();
        for (BlockDevice leg : this.legs) {
            if (leg.size() != legSize) {
                throw new IllegalArgumentException("striped legs differ in size: " + legSize + " and " + leg.size());
            }
        }
        if (legSize % chunk != 0) {
            throw new IllegalArgumentException("leg size " + legSize + " is not a multiple of the chunk " + chunk);
        }
        this.chunk = chunk;
        this.size = Math.multiplyExact(legSize, (long) this.legs.length);
        this.label = label;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public boolean isReadOnly() {
        for (BlockDevice leg : legs) {
            if (leg.isReadOnly()) {
                return true;
            }
        }
        return false;
    }

    /** The leg holding byte {@code pos}. */
    private int legOf(long pos) {
        return (int) ((pos / chunk) % legs.length);
    }

    /** Where byte {@code pos} lies on its leg. */
    private long legPos(long pos) {
        long c = pos / chunk;
        return (c / legs.length) * chunk + pos % chunk;
    }

    /** Bytes from {@code pos} to the end of its chunk. */
    private long chunkLeft(long pos) {
        return chunk - pos % chunk;
    }

    @Override
    public void read(long pos, ByteBuffer dst) throws IOException {
        Bounds.check(pos, dst.remaining(), size, describe());
        while (dst.hasRemaining()) {
            int n = (int) Math.min(dst.remaining(), chunkLeft(pos));
            ByteBuffer piece = dst.duplicate().limit(dst.position() + n);
            legs[legOf(pos)].read(legPos(pos), piece);
            dst.position(dst.position() + n);
            pos += n;
        }
    }

    @Override
    public void write(long pos, ByteBuffer src) throws IOException {
        Bounds.check(pos, src.remaining(), size, describe());
        while (src.hasRemaining()) {
            int n = (int) Math.min(src.remaining(), chunkLeft(pos));
            ByteBuffer piece = src.duplicate().limit(src.position() + n);
            legs[legOf(pos)].write(legPos(pos), piece);
            src.position(src.position() + n);
            pos += n;
        }
    }

    @Override
    public void writeZeroes(long pos, long len) throws IOException {
        Bounds.check(pos, len, size, describe());
        for (long end = pos + len; pos < end; ) {
            long n = Math.min(end - pos, chunkLeft(pos));
            legs[legOf(pos)].writeZeroes(legPos(pos), n);
            pos += n;
        }
    }

    @Override
    public void discard(long pos, long len) throws IOException {
        Bounds.check(pos, len, size, describe());
        for (long end = pos + len; pos < end; ) {
            long n = Math.min(end - pos, chunkLeft(pos));
            legs[legOf(pos)].discard(legPos(pos), n);
            pos += n;
        }
    }

    @Override
    public void flush() throws IOException {
        for (BlockDevice leg : legs) {
            leg.flush();
        }
    }

    @Override
    public Extent mapping(long pos, long maxLen) throws IOException {
        Bounds.checkMapping(pos, maxLen, size, describe());
        long n = Math.min(maxLen, Math.min(chunkLeft(pos), size - pos));
        return legs[legOf(pos)].mapping(legPos(pos), n).withStart(pos);
    }

    @Override
    public String describe() {
        return label;
    }

    @Override
    public void close() {
        // The legs belong to the caller.
    }
}
