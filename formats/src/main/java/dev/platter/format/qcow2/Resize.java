package dev.platter.format.qcow2;

import dev.platter.core.UnsupportedFeatureException;
import dev.platter.core.image.Image;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.function.Supplier;

/**
 * Changes the virtual size. Growing enlarges the L1 table when needed (a new table is written, then the header
 * switched to it, then the old one freed) and makes the new area read as zeros even where a longer backing file or
 * the tail of a previously shrunk cluster would show through. Shrinking frees every cluster past the new end,
 * drops the L2 tables no longer needed and truncates the file after the last cluster in use, as qemu does.
 */
final class Resize {
    private Resize() {
    }

    static void resize(Qcow2Metadata m, Qcow2Writer writer, DataFile data, Bitmaps bitmaps, Supplier<Image> backing,
                       long newSize, boolean allowShrink) throws IOException {
        long oldSize = m.header.size;
        if (newSize < 0 || newSize % 512 != 0) {
            throw new IOException("The new size must be a multiple of 512");
        }
        if (newSize < oldSize && !allowShrink) {
            throw new IOException("Use the --shrink option to perform a shrink operation.");
        }
        if (!m.snapshots.isEmpty() && m.header.version < 3) {
            throw new UnsupportedFeatureException("resize with snapshots", "Can't resize a v2 image which has snapshots");
        }
        if (newSize == oldSize) {
            return;
        }
        if (newSize <= 0) {
            throw new IOException("New image size must be positive");
        }
        Geometry g = m.geo;
        long l1Needed = g.l1EntriesFor(newSize);
        if (l1Needed * 8 > Qcow2Metadata.MAX_L1_BYTES) {
            throw new IOException("Failed to grow the L1 table: File too large");
        }
        bitmaps.resize(oldSize, newSize);
        if (newSize > oldSize) {
            if (l1Needed > m.l1.size()) {
                growL1(m, (int) l1Needed);
            }
            setSize(m, newSize);
            // The new area must read as zeros: hide a longer backing file and the tail of the old last cluster.
            long zeroEnd = Math.min(newSize, g.clusterStart(oldSize + g.clusterSize() - 1));
            Image b = backing.get();
            if (b != null && b.size() > oldSize) {
                zeroEnd = Math.max(zeroEnd, Math.min(newSize, b.size()));
            }
            if (zeroEnd > oldSize) {
                writer.writeZeroes(oldSize, zeroEnd - oldSize);
            }
        } else {
            long from = g.clusterStart(newSize + g.clusterSize() - 1);
            if (oldSize > from) {
                writer.discard(from, oldSize - from);
            }
            for (long i = l1Needed; i < m.l1.size(); i++) {
                long e = m.l1.get(i);
                long l2 = L2Entry.l1Offset(e);
                if (l2 != 0) {
                    m.l1.set((int) i, 0);
                    m.ranges.remove(l2);
                    m.l2Cache.remove(l2);
                    m.refcounts.freeLater(l2, g.clusterSize());
                }
            }
            setSize(m, newSize);
            m.flushMetadata();
            truncateTail(m);
        }
        m.flushMetadata();
        if (data.isExternal()) {
            data.storage().setSize(newSize); // qemu keeps the data file as long as the disk
        }
    }

    private static void setSize(Qcow2Metadata m, long newSize) throws IOException {
        m.flushMetadata();
        m.barrier();
        m.header.size = newSize;
        m.writeHeaderFields(Qcow2Header.SIZE_OFFSET, ByteBuffer.allocate(8).putLong(newSize).array());
        m.barrier();
    }

    /** Replaces the L1 table by one of {@code entries} entries (qemu writes exactly entries * 8 bytes). */
    static void growL1(Qcow2Metadata m, int entries) throws IOException {
        Geometry g = m.geo;
        m.flushMetadata();
        long[] grown = m.l1.copyOf(entries);
        long offset = m.refcounts.allocateClusters(g.clustersFor((long) entries * 8));
        m.file.write(offset, ByteBuffer.wrap(L1Table.toBytes(grown, 0, entries)));
        m.flushMetadata();
        m.barrier();
        m.writeHeaderFields(Qcow2Header.L1_SIZE_OFFSET,
                ByteBuffer.allocate(12).putInt(entries).putLong(offset).array());
        m.barrier();
        long oldOffset = m.l1.offset();
        int oldSize = m.l1.size();
        m.header.l1Size = entries;
        m.header.l1TableOffset = offset;
        m.l1.relocate(offset, grown);
        if (oldSize > 0) {
            m.ranges.remove(oldOffset);
            m.refcounts.freeLater(oldOffset, (long) oldSize * 8);
        }
        m.ranges.add(offset, (long) entries * 8, MetadataRanges.Kind.ACTIVE_L1);
    }

    /** Truncates the file after the last cluster with a non-zero refcount. */
    private static void truncateTail(Qcow2Metadata m) throws IOException {
        if (m.file.isBlockDevice()) {
            return; // a device keeps its size
        }
        long fileSize = m.file.size();
        long last = m.geo.clustersFor(fileSize) - 1;
        while (last > 0 && m.refcounts.get(last) == 0) {
            last--;
        }
        long end = (last + 1) << m.geo.clusterBits();
        if (end < fileSize) {
            m.file.setSize(end);
        }
    }
}
