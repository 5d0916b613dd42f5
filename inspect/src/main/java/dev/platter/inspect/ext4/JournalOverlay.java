package dev.platter.inspect.ext4;

import dev.platter.core.BlockDevice;
import dev.platter.core.Bounds;
import dev.platter.core.Extent;
import dev.platter.core.ReadOnlyBlockDevice;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * The filesystem's device as the kernel sees it after journal recovery: every block the replay wrote reads as the
 * log block holding its latest content (the first four bytes restored to the jbd2 magic where the tag was escaped);
 * every other byte is the device's. Read-only; nothing is copied: the map holds, per replayed block, the device block
 * of its log copy and the escape flag. Mappings report replayed blocks as DATA with no host offset, so nobody copies
 * them from the image file behind the overlay's back.
 */
final class JournalOverlay implements ReadOnlyBlockDevice {
    private final BlockDevice base;
    private final int blockSize;
    private final NavigableMap<Long, Long> blocks;

    /** @param blocks filesystem block to (device block of the log copy) {@code << 1 | escape} */
    JournalOverlay(BlockDevice base, int blockSize, TreeMap<Long, Long> blocks) {
        this.base = base;
        this.blockSize = blockSize;
        this.blocks = blocks;
    }

    int replayedBlocks() {
        return blocks.size();
    }

    @Override
    public long size() {
        return base.size();
    }

    @Override
    public void read(long pos, ByteBuffer dst) throws IOException {
        int len = dst.remaining();
        Bounds.check(pos, len, size(), describe());
        if (len == 0) {
            return;
        }
        long end = pos + len;
        NavigableMap<Long, Long> hit = blocks.subMap(pos / blockSize, true, (end - 1) / blockSize, true);
        if (hit.isEmpty()) {
            base.read(pos, dst);
            return;
        }
        long cursor = pos;
        for (Map.Entry<Long, Long> e : hit.entrySet()) {
            long start = e.getKey() * blockSize;
            if (cursor < start) {
                readBase(cursor, (int) (start - cursor), dst);
                cursor = start;
            }
            long ref = e.getValue();
            byte[] copy = base.readBytes((ref >>> 1) * blockSize, blockSize);
            if ((ref & 1) != 0) {
                Be.put32(copy, 0, JournalSuperblock.MAGIC);
            }
            int n = (int) (Math.min(end, start + blockSize) - cursor);
            dst.put(copy, (int) (cursor - start), n);
            cursor += n;
        }
        if (cursor < end) {
            readBase(cursor, (int) (end - cursor), dst);
        }
    }

    private void readBase(long pos, int len, ByteBuffer dst) throws IOException {
        ByteBuffer part = dst.duplicate();
        part.limit(part.position() + len);
        base.read(pos, part);
        dst.position(dst.position() + len);
    }

    @Override
    public Extent mapping(long pos, long maxLen) throws IOException {
        Bounds.checkMapping(pos, maxLen, size(), describe());
        long block = pos / blockSize;
        Long next = blocks.ceilingKey(block);
        if (next != null && next == block) {
            return Extent.data(pos, Math.min(maxLen, (block + 1) * blockSize - pos), -1, null);
        }
        long limit = next == null ? maxLen : Math.min(maxLen, next * blockSize - pos);
        return base.mapping(pos, limit);
    }

    @Override
    public String describe() {
        return base.describe();
    }

    @Override
    public void close() {
        // The base device belongs to the filesystem's caller.
    }
}
