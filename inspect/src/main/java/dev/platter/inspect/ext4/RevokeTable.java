package dev.platter.inspect.ext4;

import dev.platter.core.CorruptImageException;

/**
 * The revoke pass's result: for each revoked filesystem block the latest transaction that revoked it. An open-addressed
 * table of primitive longs and ints (a full 128 MiB journal of revoke blocks names about 33 million blocks, so boxed
 * maps are out), bounded at {@link #MAX_ENTRIES} distinct blocks: past that the journal is refused.
 */
final class RevokeTable {
    static final int MAX_ENTRIES = 1 << 20;

    private long[] keys = new long[64];
    private int[] tids = new int[64];
    private boolean[] used = new boolean[64];
    private int size;

    int size() {
        return size;
    }

    /** Records that {@code block} was revoked in transaction {@code tid} (keeping the later of two). */
    void revoke(long block, int tid, String where, long offset) throws CorruptImageException {
        int i = slot(block);
        if (used[i]) {
            if (tid - tids[i] > 0) {
                tids[i] = tid;
            }
            return;
        }
        if (size >= MAX_ENTRIES) {
            throw new CorruptImageException(where, offset, "the revoke table exceeds " + MAX_ENTRIES + " blocks");
        }
        used[i] = true;
        keys[i] = block;
        tids[i] = tid;
        if (++size * 2 > keys.length) {
            grow();
        }
    }

    /** True when {@code block}, logged in transaction {@code tid}, was revoked by that or a later transaction. */
    boolean isRevoked(long block, int tid) {
        int i = slot(block);
        return used[i] && tid - tids[i] <= 0;
    }

    private int slot(long block) {
        int mask = keys.length - 1;
        int i = (int) (mix(block) & mask);
        while (used[i] && keys[i] != block) {
            i = (i + 1) & mask;
        }
        return i;
    }

    private static long mix(long x) {
        x *= 0x9E3779B97F4A7C15L;
        return x ^ (x >>> 29);
    }

    private void grow() {
        long[] oldKeys = keys;
        int[] oldTids = tids;
        boolean[] oldUsed = used;
        keys = new long[oldKeys.length * 2];
        tids = new int[keys.length];
        used = new boolean[keys.length];
        for (int j = 0; j < oldKeys.length; j++) {
            if (oldUsed[j]) {
                int i = slot(oldKeys[j]);
                used[i] = true;
                keys[i] = oldKeys[j];
                tids[i] = oldTids[j];
            }
        }
    }
}
