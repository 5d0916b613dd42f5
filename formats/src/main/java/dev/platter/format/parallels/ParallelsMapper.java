package dev.platter.format.parallels;

import dev.platter.core.CorruptImageException;
import dev.platter.core.UnsupportedFeatureException;
import dev.platter.core.image.ImageMapper;
import dev.platter.core.image.MappedRun;
import dev.platter.core.storage.Storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The catalog (block allocation table) after the header, one u32 per cluster, and what lies at an offset through
 * it, as qemu's block_status answers: a cluster's data in the file (clusters stored one after another merged), or
 * nothing (entry 0, or a cluster past the catalog: zeros, or the backing image). A cluster whose data starts past
 * the end of the file is damage: qemu would read zeros there, Platter says so.
 */
final class ParallelsMapper implements ImageMapper {
    /** Platter holds the catalog in memory: at most this many entries (128 MiB). */
    static final long MAX_HELD = 1L << 25;

    private final Storage storage;
    private final ParallelsHeader h;
    private final int[] catalog;
    private final long fileSize;
    private final long size;

    private ParallelsMapper(Storage storage, ParallelsHeader h, int[] catalog, long fileSize) {
        this.storage = storage;
        this.h = h;
        this.catalog = catalog;
        this.fileSize = fileSize;
        this.size = h.sectors * 512;
    }

    static ParallelsMapper read(Storage storage, ParallelsHeader h) throws IOException {
        long fileSize = storage.size();
        long n = h.catalogEntries;
        if (ParallelsHeader.SIZE + n * 4 > fileSize) {
            throw new CorruptImageException("parallels catalog of '" + storage.name() + "'", ParallelsHeader.SIZE,
                    n + " entries run past the end of the file (" + fileSize + " bytes)");
        }
        if (n > MAX_HELD) {
            throw new UnsupportedFeatureException("parallels catalogs over " + MAX_HELD + " entries", "'"
                    + storage.name() + "': a Parallels catalog of " + n + " entries (Platter holds at most "
                    + MAX_HELD + ")");
        }
        int[] catalog = new int[(int) n];
        ByteBuffer b = ByteBuffer.allocate((int) n * 4).order(ByteOrder.LITTLE_ENDIAN);
        storage.readFully(ParallelsHeader.SIZE, b);
        b.flip().asIntBuffer().get(catalog);
        return new ParallelsMapper(storage, h, catalog, fileSize);
    }

    long clusterBytes() {
        return h.tracks * 512;
    }

    @Override
    public MappedRun map(long pos, long maxLen) throws IOException {
        long cluster = clusterBytes();
        long limit = Math.min(maxLen, size - pos);
        long index = pos / cluster;
        long within = pos % cluster;
        long host = host(index);
        long len = cluster - within;
        for (long i = index + 1; len < limit; i++) {
            if (host < 0 && i >= catalog.length) {
                len = limit; // past the catalog every cluster is unallocated
                break;
            }
            long next = hostOrNone(i);
            if (next == Long.MIN_VALUE || (host < 0) != (next < 0) || (host >= 0 && next != host + (i - index) * cluster)) {
                break;
            }
            len += cluster;
        }
        len = Math.min(len, limit);
        return host < 0 ? new MappedRun(MappedRun.Kind.UNALLOCATED, len, null, -1, 0)
                : new MappedRun(MappedRun.Kind.DATA, len, storage, host + within, 0);
    }

    /** The byte offset of cluster {@code index}'s data, or -1 when it has none; checked against the file. */
    private long host(long index) throws CorruptImageException {
        long at = rawHost(index);
        if (at >= fileSize) {
            throw new CorruptImageException("parallels catalog of '" + storage.name() + "'", ParallelsHeader.SIZE
                    + index * 4, "cluster " + index + " lies at offset " + at + ", past the end of the file ("
                    + fileSize + " bytes)");
        }
        return at;
    }

    /** As {@link #host}, but a damaged neighbour only ends a run (it is reported when the map reaches it). */
    private long hostOrNone(long index) {
        long at = rawHost(index);
        return at >= fileSize ? Long.MIN_VALUE : at;
    }

    private long rawHost(long index) {
        if (index >= catalog.length || catalog[(int) index] == 0) {
            return -1;
        }
        long sectors = Integer.toUnsignedLong(catalog[(int) index]) * h.offsetMultiplier; // < 2^54
        return sectors > Long.MAX_VALUE / 512 ? Long.MAX_VALUE : sectors * 512;
    }
}
