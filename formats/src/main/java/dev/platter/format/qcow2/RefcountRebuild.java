package dev.platter.format.qcow2;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes a complete new refcount structure (table and blocks, of any refcount width) from counted references,
 * placed first-fit in clusters the counts leave free (as qemu's rebuild does), then switches the header to it.
 * Used by check -r all when the old structure cannot be patched, when a dirty image (lazy refcounts) is opened
 * read-write, and by amend to change refcount_bits. The old structure's clusters are still counted, so nothing is
 * overwritten before the header switch; they show up as leaks afterwards, which the caller frees.
 */
final class RefcountRebuild {
    private RefcountRebuild() {
    }

    static void write(Qcow2Metadata m, ReferenceCounts counts, int order) throws IOException {
        if (m.readOnly) {
            throw new dev.platter.core.ReadOnlyDeviceException(m.name);
        }
        Geometry g = new Geometry(m.geo.clusterBits(), m.geo.extendedL2(), order);
        int cs = g.clusterSize();
        long per = g.refcountsPerBlock();
        int perTableCluster = g.refcountTableEntriesPerCluster();
        Allocator alloc = new Allocator(counts);
        TreeMap<Long, Long> blocks = new TreeMap<>();
        long tableOffset = 0;
        long tableClusters = 0;
        while (true) {
            boolean changed = false;
            long lastTi = (counts.size() - 1) / per;
            for (long ti = 0; ti <= lastTi; ti++) {
                if (!blocks.containsKey(ti) && counts.anyIn(ti * per, (ti + 1) * per)) {
                    blocks.put(ti, alloc.take(1, cs, g.clusterBits()));
                    changed = true;
                    lastTi = (counts.size() - 1) / per;
                }
            }
            long entries = blocks.isEmpty() ? 1 : blocks.lastKey() + 1;
            long needClusters = (entries + perTableCluster - 1) / perTableCluster;
            if (needClusters > tableClusters) {
                if (tableOffset != 0) {
                    alloc.release(tableOffset >>> g.clusterBits(), tableClusters);
                }
                tableClusters = needClusters;
                tableOffset = alloc.take(tableClusters, cs, g.clusterBits());
                changed = true;
            }
            if (!changed) {
                break;
            }
        }
        if (tableClusters * cs > RefcountManager.MAX_TABLE_BYTES) {
            throw new IOException(m.name + ": the refcount table would grow beyond 8 MiB");
        }
        long max = g.refcountMax();
        for (Map.Entry<Long, Long> b : blocks.entrySet()) {
            byte[] data = new byte[cs];
            long base = b.getKey() * per;
            for (int i = 0; i < per; i++) {
                long v = counts.get(base + i);
                if (v == 0) {
                    continue;
                }
                if (v > max) {
                    throw new IOException("Cannot decrease refcount entry width to " + g.refcountBits()
                            + " bits: Cluster at offset 0x" + Long.toHexString((base + i) << g.clusterBits())
                            + " has a refcount of " + v);
                }
                RefcountBlock.set(data, i, order, v);
            }
            m.file.write(b.getValue(), ByteBuffer.wrap(data));
        }
        long[] table = new long[(int) (tableClusters * perTableCluster)];
        for (Map.Entry<Long, Long> b : blocks.entrySet()) {
            table[(int) (long) b.getKey()] = b.getValue();
        }
        m.file.write(tableOffset, ByteBuffer.wrap(L1Table.toBytes(table, 0, table.length)));
        m.file.flush();
        for (long e : m.refcounts.table()) {
            long off = e & ~0x1ffL;
            if (off != 0) {
                m.ranges.remove(off);
            }
        }
        m.ranges.remove(m.refcounts.tableOffset());
        m.header.refcountTableOffset = tableOffset;
        m.header.refcountTableClusters = (int) tableClusters;
        m.header.refcountOrder = order;
        m.writeHeader();
        m.file.flush();
        m.geo = g;
        m.refcounts = new RefcountManager(m, g, tableOffset, table, m.cacheBytes / 4);
        m.ranges.add(tableOffset, tableClusters * cs, MetadataRanges.Kind.REFCOUNT_TABLE);
        for (long off : blocks.values()) {
            m.ranges.add(off, cs, MetadataRanges.Kind.REFCOUNT_BLOCK);
        }
    }

    /** First-fit allocation in the counted references (qemu's alloc_clusters_imrt). */
    private static final class Allocator {
        private final ReferenceCounts counts;
        private long firstFree;

        Allocator(ReferenceCounts counts) {
            this.counts = counts;
        }

        long take(long n, int cs, int clusterBits) {
            long c = firstFree;
            long run = 0;
            long start = c;
            boolean firstGap = true;
            while (run < n) {
                if (counts.get(c) == 0) {
                    if (run == 0) {
                        start = c;
                    }
                    if (firstGap) {
                        firstFree = c;
                        firstGap = false;
                    }
                    run++;
                } else {
                    run = 0;
                }
                c++;
            }
            for (long k = start; k < start + n; k++) {
                counts.set(k, 1);
            }
            return start << clusterBits;
        }

        void release(long first, long n) {
            for (long k = first; k < first + n; k++) {
                counts.set(k, 0);
            }
            firstFree = Math.min(firstFree, first);
        }
    }
}
