package dev.platter.format.qed;

import dev.platter.core.CorruptImageException;
import dev.platter.core.image.ImageMapper;
import dev.platter.core.image.MappedRun;
import dev.platter.core.storage.Storage;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What lies at an offset of a QED image, as qemu's qed_find_cluster answers it: through the L1 table (in memory)
 * to an L2 table (read on demand into a bounded cache) to a data cluster, a zero cluster or nothing (the backing
 * file, or zeros). An L2 table or data cluster offset that qemu would refuse (unaligned, inside the header, past
 * the end of the file) is a {@link CorruptImageException}, where qemu fails the read with EINVAL.
 */
final class QedMapper implements ImageMapper {
    private final Storage storage;
    private final QedHeader h;
    private final QedTable l1;
    private final Map<Long, QedTable> l2Cache;
    private final String where;

    QedMapper(Storage storage, QedHeader h, QedTable l1, long cacheBytes) {
        this.storage = storage;
        this.h = h;
        this.l1 = l1;
        this.where = "qed image '" + storage.name() + "'";
        int max = (int) Math.max(2, Math.min(4096, cacheBytes / h.tableBytes()));
        this.l2Cache = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, QedTable> eldest) {
                return size() > max;
            }
        };
    }

    @Override
    public MappedRun map(long pos, long maxLen) throws IOException {
        long cluster = h.clusterSize;
        long entries = h.tableEntries();
        long l2Span = cluster * entries;
        long limit = Math.min(maxLen, Math.min(h.imageSize - pos, l2Span - pos % l2Span));
        long l1Index = pos / l2Span;
        if (l1Index >= l1.size()) {
            throw new CorruptImageException(where, h.l1Offset, "offset " + pos + " is past the L1 table");
        }
        long l2Offset = l1.entry((int) l1Index);
        if (l2Offset == QedTable.UNALLOCATED) {
            return new MappedRun(MappedRun.Kind.UNALLOCATED, limit, null, -1, 0);
        }
        if (!h.validTableOffset(l2Offset)) {
            throw new CorruptImageException(where, h.l1Offset + l1Index * 8, "L1 entry " + l1Index
                    + " points to an L2 table at " + Long.toUnsignedString(l2Offset) + ", not a valid table offset");
        }
        QedTable l2 = l2(l2Offset);
        int index = (int) ((pos / cluster) % entries);
        long within = pos % cluster;
        long first = l2.entry(index);
        MappedRun.Kind kind = kind(first, l2Offset, index);
        long len = cluster - within;
        for (int i = index + 1; len < limit && i < l2.size(); i++) {
            long e = l2.entry(i);
            if (kind(e) != kind || (kind == MappedRun.Kind.DATA && e != first + (i - index) * cluster)
                    || (kind == MappedRun.Kind.DATA && !h.validClusterOffset(e))) {
                break;
            }
            len += cluster;
        }
        len = Math.min(len, limit);
        return kind == MappedRun.Kind.DATA ? new MappedRun(kind, len, storage, first + within, 0)
                : new MappedRun(kind, len, null, -1, 0);
    }

    private static MappedRun.Kind kind(long entry) {
        return entry == QedTable.UNALLOCATED ? MappedRun.Kind.UNALLOCATED
                : entry == QedTable.ZERO ? MappedRun.Kind.ZERO : MappedRun.Kind.DATA;
    }

    private MappedRun.Kind kind(long entry, long l2Offset, int index) throws CorruptImageException {
        MappedRun.Kind k = kind(entry);
        if (k == MappedRun.Kind.DATA && !h.validClusterOffset(entry)) {
            throw new CorruptImageException("qed L2 table of '" + storage.name() + "'", l2Offset + index * 8L,
                    "entry " + index + " points to a data cluster at " + Long.toUnsignedString(entry)
                            + ", not a valid cluster offset (the file's clusters end at " + h.fileEnd + ")");
        }
        return k;
    }

    private QedTable l2(long offset) throws IOException {
        synchronized (l2Cache) {
            QedTable t = l2Cache.get(offset);
            if (t == null) {
                t = QedTable.read(storage, offset, h);
                l2Cache.put(offset, t);
            }
            return t;
        }
    }
}
