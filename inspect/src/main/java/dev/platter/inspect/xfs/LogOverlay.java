package dev.platter.inspect.xfs;

import dev.platter.core.BlockDevice;
import dev.platter.core.Extent;
import dev.platter.core.ReadOnlyBlockDevice;
import dev.platter.core.UnsupportedFeatureException;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.TreeMap;

/**
 * The replayed state of the filesystem's blocks, kept in memory in 512-byte sectors (the log's unit of address)
 * over the unchanged device, and the read-only device that shows it: every read after recovery sees the replayed
 * bytes where there are some and the device's bytes elsewhere. The image is never written. Bounded in bytes.
 */
final class LogOverlay {
    static final int SECTOR = 512;
    private final BlockDevice base;
    private final long maxBytes;
    private final TreeMap<Long, byte[]> sectors = new TreeMap<>();

    LogOverlay(BlockDevice base, long maxBytes) {
        this.base = base;
        this.maxBytes = maxBytes;
    }

    /** Bytes the overlay holds. */
    long bytes() {
        return (long) sectors.size() * SECTOR;
    }

    int sectors() {
        return sectors.size();
    }

    /** The current bytes of {@code count} sectors at {@code daddr}: replayed where replayed, else the device's. */
    byte[] read(long daddr, int count, String what) throws IOException {
        byte[] out = new byte[count * SECTOR];
        readInto(daddr * SECTOR, ByteBuffer.wrap(out), what);
        return out;
    }

    /** Replaces the sectors at {@code daddr} with {@code b} (a whole number of sectors). */
    void write(long daddr, byte[] b) throws IOException {
        int n = b.length / SECTOR;
        for (int i = 0; i < n; i++) {
            byte[] s = new byte[SECTOR];
            System.arraycopy(b, i * SECTOR, s, 0, SECTOR);
            sectors.put(daddr + i, s);
        }
        if (bytes() > maxBytes) {
            throw new UnsupportedFeatureException("xfs log replay size", "replaying the xfs log would hold more than "
                    + maxBytes + " bytes of changed blocks in memory");
        }
    }

    private void readInto(long pos, ByteBuffer dst, String what) throws IOException {
        long end = pos + dst.remaining();
        if (pos < 0 || end > base.size()) {
            throw new EOFException(what + ": " + dst.remaining() + " bytes at " + pos + " lie past the end of "
                    + base.describe());
        }
        long at = pos;
        Map<Long, byte[]> hits = sectors.subMap(pos / SECTOR, true, (end - 1) / SECTOR, true);
        for (Map.Entry<Long, byte[]> e : hits.entrySet()) {
            long sStart = e.getKey() * SECTOR;
            if (sStart > at) {
                readBase(at, (int) (sStart - at), dst);
                at = sStart;
            }
            int from = (int) (at - sStart);
            int n = (int) Math.min(SECTOR - from, end - at);
            dst.put(e.getValue(), from, n);
            at += n;
        }
        if (at < end) {
            readBase(at, (int) (end - at), dst);
        }
    }

    private void readBase(long pos, int len, ByteBuffer dst) throws IOException {
        ByteBuffer part = dst.slice(dst.position(), len);
        base.read(pos, part);
        dst.position(dst.position() + len);
    }

    /** The filesystem's device as recovery left it. */
    BlockDevice device() {
        return new ReadOnlyBlockDevice() {
            @Override
            public long size() {
                return base.size();
            }

            @Override
            public void read(long pos, ByteBuffer dst) throws IOException {
                if (pos < 0) {
                    throw new IllegalArgumentException("negative offset " + pos);
                }
                if (dst.remaining() > base.size() - pos) {
                    throw new EOFException("read of " + dst.remaining() + " bytes at " + pos + " past the end of "
                            + describe());
                }
                readInto(pos, dst, describe());
            }

            @Override
            public Extent mapping(long pos, long maxLen) throws IOException {
                long sector = pos / SECTOR;
                if (sectors.containsKey(sector)) {
                    long s = sector;
                    while (sectors.containsKey(s + 1) && (s + 1 - sector) * SECTOR < maxLen) {
                        s++;
                    }
                    long len = Math.min(maxLen, (s + 1) * SECTOR - pos);
                    return Extent.data(pos, len, -1, null);
                }
                Long next = sectors.ceilingKey(sector + 1);
                long limit = next == null ? maxLen : Math.min(maxLen, next * SECTOR - pos);
                return base.mapping(pos, limit);
            }

            @Override
            public String describe() {
                return base.describe() + " with the XFS log replayed in memory";
            }

            @Override
            public void close() {
                // The base device belongs to the caller.
            }
        };
    }
}
