package dev.platter.format.qcow2;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A bounded cache of one-cluster metadata tables keyed by host offset. Lookups are lock-free (a concurrent map and
 * a use stamp); inserting past the bound evicts the least recently used clean tables. Dirty tables are never
 * evicted: the owner writes them back ({@link #dirty()}) when {@link #overBudget()} says so.
 */
final class TableCache<T extends CachedTable> {
    private final ConcurrentHashMap<Long, T> tables = new ConcurrentHashMap<>();
    private final AtomicLong clock = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();
    private final long capacityBytes;
    private final Object evictLock = new Object();

    TableCache(long capacityBytes) {
        this.capacityBytes = capacityBytes;
    }

    T get(long offset) {
        T t = tables.get(offset);
        if (t != null) {
            // The clock only moves when tables are added: concurrent readers do not contend on it, and a table
            // is written to only the first time it is used after an insertion.
            long now = clock.get();
            if (t.lastUse != now) {
                t.lastUse = now;
            }
        }
        return t;
    }

    /** Adds a table that replaces whatever was cached at its offset (a freshly allocated table). */
    void putNew(T table) {
        table.lastUse = clock.incrementAndGet();
        T old = tables.put(table.offset, table);
        bytes.addAndGet(table.sizeBytes() - (old == null ? 0 : old.sizeBytes()));
        if (bytes.get() > capacityBytes) {
            evict();
        }
    }

    /** Adds a table; when another thread added the same offset first, returns that one. */
    T put(T table) {
        table.lastUse = clock.incrementAndGet();
        T existing = tables.putIfAbsent(table.offset, table);
        if (existing != null) {
            return existing;
        }
        if (bytes.addAndGet(table.sizeBytes()) > capacityBytes) {
            evict();
        }
        return table;
    }

    /**
     * Marks a table changed and makes sure the cache holds it (an eviction may have dropped it while it was clean,
     * between the caller's lookup and its change).
     */
    void markDirty(T table) {
        table.markDirty();
        if (tables.putIfAbsent(table.offset, table) == null) {
            bytes.addAndGet(table.sizeBytes());
        }
    }

    /** Forgets a table (freed metadata); its unwritten changes are dropped. */
    void remove(long offset) {
        T t = tables.remove(offset);
        if (t != null) {
            bytes.addAndGet(-t.sizeBytes());
        }
    }

    boolean contains(long offset) {
        return tables.containsKey(offset);
    }

    /** True when dirty tables keep the cache above its bound, so they should be written back. */
    boolean overBudget() {
        return bytes.get() > capacityBytes;
    }

    /** The dirty tables in offset order, for sequential write-back. */
    List<T> dirty() {
        List<T> out = new ArrayList<>();
        for (T t : tables.values()) {
            if (t.isDirty()) {
                out.add(t);
            }
        }
        out.sort(Comparator.comparingLong(t -> t.offset));
        return out;
    }

    void clear() {
        tables.clear();
        bytes.set(0);
    }

    private void evict() {
        synchronized (evictLock) {
            if (bytes.get() <= capacityBytes) {
                return;
            }
            List<T> clean = new ArrayList<>();
            for (T t : tables.values()) {
                if (!t.isDirty()) {
                    clean.add(t);
                }
            }
            clean.sort(Comparator.comparingLong(t -> t.lastUse));
            // Free a quarter of the budget at once so that eviction stays rare.
            long target = capacityBytes - capacityBytes / 4;
            for (T t : clean) {
                if (bytes.get() <= target) {
                    break;
                }
                if (tables.remove(t.offset, t)) {
                    bytes.addAndGet(-t.sizeBytes());
                }
            }
        }
    }
}
