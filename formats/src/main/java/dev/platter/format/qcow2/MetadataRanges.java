package dev.platter.format.qcow2;

import java.util.Map;
import java.util.TreeMap;

/**
 * Where the image's metadata lives in the file (header, L1, L2 tables, refcount table and blocks, snapshot table
 * and snapshot L1 copies, bitmap structures): the overlap check that refuses to write guest data over metadata,
 * as qemu's "overlap check" does before every write.
 */
final class MetadataRanges {
    enum Kind {
        HEADER, ACTIVE_L1, ACTIVE_L2, REFCOUNT_TABLE, REFCOUNT_BLOCK, SNAPSHOT_TABLE, SNAPSHOT_L1, BITMAP, CRYPTO
    }

    record Range(long start, long end, Kind kind) {
    }

    /** start -> range; ranges are added and removed exactly, never merged. */
    private final TreeMap<Long, Range> ranges = new TreeMap<>();

    void add(long start, long length, Kind kind) {
        if (length > 0) {
            ranges.put(start, new Range(start, start + length, kind));
        }
    }

    void remove(long start) {
        ranges.remove(start);
    }

    /** The metadata range that [start, start + length) overlaps, or null. */
    Range overlap(long start, long length) {
        long end = start + length;
        Map.Entry<Long, Range> e = ranges.floorEntry(start);
        if (e != null && e.getValue().end > start) {
            return e.getValue();
        }
        Map.Entry<Long, Range> next = ranges.ceilingEntry(start);
        if (next != null && next.getKey() < end) {
            return next.getValue();
        }
        return null;
    }

    /** Forgets every range of the given kinds. */
    void removeAll(java.util.Set<Kind> kinds) {
        ranges.values().removeIf(r -> kinds.contains(r.kind()));
    }

    int size() {
        return ranges.size();
    }
}
