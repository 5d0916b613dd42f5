package dev.platter.format.vmdk;

import dev.platter.core.CorruptImageException;
import dev.platter.core.image.MappedRun;
import dev.platter.core.storage.Storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A seSparse extent, read as qemu reads it: 4 KiB grains, a grain directory of 64-bit entries (0: no table, else
 * 0x1000000000000000 | the table's index among the grain tables), grain tables of 4096 64-bit entries (top nibble 0
 * unallocated, 1 unmapped and 2 zero: both read as zeros, 3 allocated, with the grain's index split over the other
 * bits). The directory is read at open (it must lie in the file), tables on demand (so must they).
 */
final class SeSparseExtent extends VmdkExtent {
    private static final int GT_ENTRIES = (int) (SeSparseHeader.TABLE_SECTORS * 512 / 8);
    private static final long GRAIN_BYTES = SeSparseHeader.GRAIN_SECTORS * 512;
    private static final long TABLE_COVERS = GRAIN_BYTES * GT_ENTRIES;

    private final long[] gd;
    private final long gdOffset;
    private final long gtSector;
    private final long grainsSector;
    private final String where;
    private final Map<Long, long[]> tables;

    private SeSparseExtent(Storage storage, String type, SeSparseHeader h, long[] gd, int cachedTables) {
        super(storage, type, h.capacity);
        this.gd = gd;
        this.gdOffset = h.gdOffset * 512;
        this.gtSector = h.gtOffset;
        this.grainsSector = h.grainsOffset;
        this.where = "vmdk seSparse extent '" + storage.name() + "'";
        int max = Math.max(4, cachedTables);
        this.tables = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, long[]> eldest) {
                return size() > max;
            }
        };
    }

    static SeSparseExtent open(Storage file, String type, long cacheBytes) throws IOException {
        String where = "vmdk seSparse header of '" + file.name() + "'";
        ByteBuffer first = ByteBuffer.allocate(512);
        file.readAt(0, first);
        SeSparseHeader h = SeSparseHeader.parse(first.clear(), where);
        long fileSize = file.size();
        if (h.volatileHeaderOffset < 0 || h.volatileHeaderOffset > (fileSize - 512) / 512) {
            throw new CorruptImageException(where, 0, "the volatile header (sector " + Long.toUnsignedString(
                    h.volatileHeaderOffset) + ") lies past the end of the file (" + fileSize + " bytes)");
        }
        ByteBuffer vol = ByteBuffer.allocate(512);
        file.readFully(h.volatileHeaderOffset * 512, vol);
        SeSparseHeader.checkVolatile(vol.clear(), where, h.volatileHeaderOffset * 512);
        if (h.capacity < 0 || h.capacity > Long.MAX_VALUE / 512) {
            throw new CorruptImageException(where, 0, "capacity " + Long.toUnsignedString(h.capacity)
                    + " sectors is more than a disk can hold");
        }
        long entries = h.gdSectors < 0 || h.gdSectors > Long.MAX_VALUE / 512 ? -1 : h.gdSectors * 512 / 8;
        if (entries < 0 || entries > GrainDirectory.MAX_ENTRIES) {
            throw new CorruptImageException(where, 0, "L1 size too big (" + Long.toUnsignedString(h.gdSectors)
                    + " sectors of grain directory)");
        }
        long gdBytes = entries * 8;
        if (h.gdOffset < 0 || h.gdOffset > fileSize / 512 || gdBytes > fileSize - h.gdOffset * 512) {
            throw new CorruptImageException(where, 0, "the grain directory (" + entries + " entries at sector "
                    + Long.toUnsignedString(h.gdOffset) + ") runs past the end of the file (" + fileSize + " bytes)");
        }
        ByteBuffer b = ByteBuffer.allocate((int) gdBytes).order(ByteOrder.LITTLE_ENDIAN);
        file.readFully(h.gdOffset * 512, b);
        long[] gd = new long[(int) entries];
        b.flip().asLongBuffer().get(gd);
        return new SeSparseExtent(file, type, h, gd, (int) (cacheBytes / (GT_ENTRIES * 8L)));
    }

    @Override
    boolean flat() {
        return false;
    }

    @Override
    boolean compressed() {
        return false;
    }

    @Override
    long clusterBytes() {
        return GRAIN_BYTES;
    }

    /** The grain's byte offset in the file, or a negative kind: -1 unallocated, -2 zero, -3 unreadable. */
    private long lookup(long offset) throws IOException {
        long gdIndex = offset / TABLE_COVERS;
        if (gdIndex >= gd.length) {
            return -3;
        }
        long e = gd[(int) gdIndex];
        if (e == 0) {
            return -1;
        }
        if ((e & 0xffffffff00000000L) != 0x1000000000000000L) {
            return -3;
        }
        long tableSector = gtSector + (e & 0xffffffffL) * SeSparseHeader.TABLE_SECTORS;
        if (tableSector < 0 || tableSector > 0xffffffffL) {
            return -3;
        }
        long g = table(tableSector)[(int) ((offset / GRAIN_BYTES) % GT_ENTRIES)];
        long top = g >>> 60;
        if (top == 0) {
            return g == 0 ? -1 : -3;
        }
        if (top == 1 || top == 2) {
            return -2;
        }
        if (top != 3) {
            return -3;
        }
        long index = ((g & 0x0fff000000000000L) >>> 48) | ((g & 0x0000ffffffffffffL) << 12);
        long sector = grainsSector + index * SeSparseHeader.GRAIN_SECTORS;
        if (sector < 0 || sector > Long.MAX_VALUE / 512) {
            return -3;
        }
        return sector * 512;
    }

    private long[] table(long sector) throws IOException {
        synchronized (tables) {
            long[] t = tables.get(sector);
            if (t != null) {
                return t;
            }
        }
        long[] t = new long[GT_ENTRIES];
        GrainTable.readChecked(storage, sector, GT_ENTRIES * 8, where).asLongBuffer().get(t);
        synchronized (tables) {
            tables.put(sector, t);
        }
        return t;
    }

    @Override
    MappedRun map(long offset, long maxLen, boolean forRead) throws IOException {
        long limit = Math.min(maxLen, length() - offset);
        long host = lookup(offset);
        if (host == -3) {
            if (forRead) {
                return new MappedRun(MappedRun.Kind.UNALLOCATED, Math.min(limit, GRAIN_BYTES - offset % GRAIN_BYTES),
                        null, -1, 0);
            }
            throw new CorruptImageException(where, gdOffset, "no valid grain directory or grain table entry for "
                    + "offset " + offset);
        }
        long within = offset % GRAIN_BYTES;
        long len = GRAIN_BYTES - within;
        // Extend over following grains of the same kind (and contiguous data), within the same grain table.
        long tableEnd = (offset / TABLE_COVERS + 1) * TABLE_COVERS;
        while (len < limit && offset + len < tableEnd) {
            long next = lookup(offset + len);
            if (host >= 0 ? next != host - within + len : next != host) {
                break;
            }
            len += GRAIN_BYTES;
        }
        len = Math.min(len, limit);
        if (host >= 0) {
            return new MappedRun(MappedRun.Kind.DATA, len, storage, host + within, 0);
        }
        return new MappedRun(host == -2 ? MappedRun.Kind.ZERO : MappedRun.Kind.UNALLOCATED, len, null, -1, 0);
    }

    @Override
    long checkOffset(long offset) throws IOException {
        long host = lookup(offset);
        if (host == -3) {
            throw new CorruptImageException(where, gdOffset, "no valid entry");
        }
        return host;
    }
}
