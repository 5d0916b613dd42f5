package dev.platter.inspect.ext4;

import dev.platter.core.BlockDevice;
import dev.platter.core.ReadOnlyBlockDevice;
import dev.platter.core.Extent;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The filesystem as the writer's open transaction sees it, as a read-only device: the changed metadata blocks over
 * the device. The reader ({@link Ext4FileSystem}) opened on it sees every operation made so far.
 */
final class TxView implements ReadOnlyBlockDevice {
    private final TxBlocks tx;
    private final BlockDevice device;
    private final int blockSize;

    TxView(TxBlocks tx) {
        this.tx = tx;
        this.device = tx.device();
        this.blockSize = tx.blockSize();
    }

    @Override
    public long size() {
        return device.size();
    }

    @Override
    public void read(long pos, ByteBuffer dst) throws IOException {
        tx.flushData();
        while (dst.hasRemaining()) {
            long block = pos / blockSize;
            int in = (int) (pos % blockSize);
            int n = Math.min(dst.remaining(), blockSize - in);
            byte[] changed = tx.dirty().get(block);
            if (changed != null) {
                dst.put(changed, in, n);
            } else {
                // Read up to the next changed block in one go.
                Long next = tx.dirty().higherKey(block);
                long end = next == null ? Long.MAX_VALUE : next * blockSize;
                int len = (int) Math.min(dst.remaining(), Math.min(end - pos, Integer.MAX_VALUE));
                ByteBuffer slice = dst.slice();
                slice.limit(len);
                device.read(pos, slice);
                dst.position(dst.position() + len);
                n = len;
            }
            pos += n;
        }
    }

    @Override
    public Extent mapping(long pos, long maxLen) throws IOException {
        return Extent.data(pos, Math.min(maxLen, size() - pos), -1, null);
    }

    @Override
    public String describe() {
        return device.describe() + " (with the ext writer's open transaction)";
    }

    @Override
    public void close() {
    }
}
