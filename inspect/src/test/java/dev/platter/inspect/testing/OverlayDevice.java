package dev.platter.inspect.testing;

import dev.platter.core.BlockDevice;
import dev.platter.core.Extent;
import dev.platter.core.ReadOnlyBlockDevice;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A read-only view of a device with some bytes replaced (damaged copies of a good image without copying it), which
 * can also record the ranges read through it (to find where an image keeps its metadata).
 */
public final class OverlayDevice implements ReadOnlyBlockDevice {
    private final BlockDevice base;
    private final TreeMap<Long, Byte> patches = new TreeMap<>();
    private List<long[]> recorded;

    public OverlayDevice(BlockDevice base) {
        this.base = base;
    }

    public void patch(long pos, byte value) {
        patches.put(pos, value);
    }

    public void record() {
        recorded = new ArrayList<>();
    }

    public synchronized List<long[]> recorded() {
        return recorded;
    }

    @Override
    public long size() {
        return base.size();
    }

    @Override
    public void read(long pos, ByteBuffer dst) throws IOException {
        int start = dst.position();
        int len = dst.remaining();
        synchronized (this) {
            if (recorded != null) {
                recorded.add(new long[] {pos, len});
            }
        }
        base.read(pos, dst);
        for (Map.Entry<Long, Byte> p : patches.subMap(pos, pos + len).entrySet()) {
            dst.put(start + (int) (p.getKey() - pos), p.getValue());
        }
    }

    @Override
    public Extent mapping(long pos, long maxLen) throws IOException {
        return base.mapping(pos, maxLen);
    }

    @Override
    public String describe() {
        return base.describe() + " [damaged copy]";
    }

    @Override
    public void close() {
    }
}
