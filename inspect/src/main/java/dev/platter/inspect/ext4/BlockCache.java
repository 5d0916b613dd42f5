package dev.platter.inspect.ext4;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Metadata blocks read recently (descriptor tables, inode tables, directory, extent and indirect blocks), least
 * recently used first out, bounded in bytes. Cached arrays are shared: callers never modify them.
 */
final class BlockCache {
    private final long budget;
    private long used;
    private final LinkedHashMap<Long, byte[]> blocks = new LinkedHashMap<>(64, 0.75f, true);

    BlockCache(long budgetBytes) {
        this.budget = budgetBytes;
    }

    synchronized byte[] get(long block) {
        return blocks.get(block);
    }

    synchronized void put(long block, byte[] data) {
        byte[] old = blocks.put(block, data);
        used += data.length - (old == null ? 0 : old.length);
        Iterator<Map.Entry<Long, byte[]>> it = blocks.entrySet().iterator();
        while (used > budget && it.hasNext()) {
            Map.Entry<Long, byte[]> eldest = it.next();
            if (eldest.getKey() == block) {
                continue;
            }
            used -= eldest.getValue().length;
            it.remove();
        }
    }

    /** Drops every cached run of blocks (at most {@code maxBlocks} long) that covers {@code block}. */
    synchronized void forget(long block, int blockSize, int maxBlocks) {
        for (int k = 0; k < maxBlocks && k <= block; k++) {
            byte[] b = blocks.get(block - k);
            if (b != null && b.length > (long) k * blockSize) {
                blocks.remove(block - k);
                used -= b.length;
            }
        }
    }
}
