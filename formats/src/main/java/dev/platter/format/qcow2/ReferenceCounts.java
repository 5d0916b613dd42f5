package dev.platter.format.qcow2;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Reference counts per host cluster computed by walking the metadata (qemu's "in-memory refcount table"): pages
 * of 16-bit counters allocated where clusters are referenced, with an overflow map for the rare counts above
 * 65535. {@link #size()} is the number of clusters covered (the file's, grown as references beyond it are
 * counted).
 */
final class ReferenceCounts {
    private static final int PAGE_BITS = 16;
    private static final int PAGE = 1 << PAGE_BITS;

    private char[][] pages = new char[0][];
    private final Map<Long, Long> overflow = new HashMap<>();
    private long size;

    ReferenceCounts(long size) {
        this.size = size;
    }

    long size() {
        return size;
    }

    void ensureSize(long n) {
        if (n > size) {
            size = n;
        }
    }

    long get(long cluster) {
        int p = (int) (cluster >>> PAGE_BITS);
        if (p >= pages.length || pages[p] == null) {
            return 0;
        }
        char v = pages[p][(int) (cluster & (PAGE - 1))];
        return v == Character.MAX_VALUE ? overflow.getOrDefault(cluster, (long) v) : v;
    }

    void set(long cluster, long value) {
        int p = (int) (cluster >>> PAGE_BITS);
        if (p >= pages.length) {
            pages = Arrays.copyOf(pages, Math.max(p + 1, pages.length * 2));
        }
        if (pages[p] == null) {
            if (value == 0) {
                return;
            }
            pages[p] = new char[PAGE];
        }
        if (value >= Character.MAX_VALUE) {
            pages[p][(int) (cluster & (PAGE - 1))] = Character.MAX_VALUE;
            overflow.put(cluster, value);
        } else {
            pages[p][(int) (cluster & (PAGE - 1))] = (char) value;
            overflow.remove(cluster);
        }
        if (cluster >= size) {
            size = cluster + 1;
        }
    }

    void increment(long cluster) {
        set(cluster, get(cluster) + 1);
    }

    /** True when any cluster in [from, to) is referenced. */
    boolean anyIn(long from, long to) {
        for (long c = from; c < Math.min(to, size); ) {
            int p = (int) (c >>> PAGE_BITS);
            if (p >= pages.length) {
                return false;
            }
            if (pages[p] == null) {
                c = ((long) p + 1) << PAGE_BITS;
                continue;
            }
            if (pages[p][(int) (c & (PAGE - 1))] != 0) {
                return true;
            }
            c++;
        }
        return false;
    }

    void clear() {
        pages = new char[0][];
        overflow.clear();
    }
}
