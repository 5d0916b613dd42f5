package dev.platter.format.qcow2;

import dev.platter.core.CorruptImageException;
import dev.platter.core.UnsupportedFeatureException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Persistent dirty bitmaps: the directory, listing, reading a bitmap as changed ranges, and keeping enabled
 * bitmaps true while Platter writes. As qemu does, an enabled bitmap is marked in_use on disk before the first
 * guest write, updated in memory on every write, and stored (new clusters, then the directory, then the header)
 * with in_use cleared on a clean close. A crash leaves it in_use, which readers must treat as inconsistent; so
 * a bitmap is never left stale while claiming to be consistent.
 */
final class Bitmaps {
    /**
     * Memory one loaded bitmap may take (64 MiB: a 32 TiB disk at the default 64 KiB granularity); a larger enabled
     * bitmap is only marked in use when Platter writes.
     */
    private static final long MAX_TRACKED_BYTES = 64L << 20;
    private static final long TABLE_OFFSET_MASK = 0x00ff_ffff_ffff_fe00L;

    private final Qcow2Metadata m;
    private List<BitmapDirectoryEntry> directory = new ArrayList<>();
    /** Bitmaps kept up to date in memory while writing, by directory index. */
    private final Map<Integer, Tracked> tracked = new LinkedHashMap<>();
    private boolean started;

    private static final class Tracked {
        long[] bits;
        final long granularity;
        final long[] oldTable;
        /** Enabled (auto) bitmaps record writes; disabled ones are only carried through a resize. */
        final boolean records;

        Tracked(long[] bits, long granularity, long[] oldTable, boolean records) {
            this.bits = bits;
            this.granularity = granularity;
            this.oldTable = oldTable;
            this.records = records;
        }
    }

    Bitmaps(Qcow2Metadata m) {
        this.m = m;
    }

    /** True when the image has a bitmaps extension that a writer kept consistent (autoclear bit 0). */
    boolean consistent() {
        return m.header.bitmaps != null && (m.header.autoclear & Qcow2Header.AUTOCLEAR_BITMAPS) != 0;
    }

    void load() throws IOException {
        if (!consistent()) {
            return; // absent, or written by a program without bitmap support: all stale, qemu ignores them
        }
        BitmapsExtension ext = m.header.bitmaps;
        long size = ext.directorySize();
        if (ext.directoryOffset() + size > m.file.size()) {
            throw new CorruptImageException("qcow2 bitmap directory", ext.directoryOffset(),
                    "runs past the end of the file");
        }
        ByteBuffer b = ByteBuffer.allocate((int) size);
        m.file.readFully(ext.directoryOffset(), b);
        b.flip();
        directory = new ArrayList<>(BitmapDirectoryEntry.parse(b, ext.nbBitmaps(), ext.directoryOffset()));
        for (BitmapDirectoryEntry e : directory) {
            if (e.tableSize() > 0) {
                m.ranges.add(e.tableOffset(), (long) e.tableSize() * 8, MetadataRanges.Kind.BITMAP);
            }
        }
    }

    List<BitmapDirectoryEntry> directory() {
        return directory;
    }

    List<Qcow2Bitmap> list() {
        List<Qcow2Bitmap> out = new ArrayList<>();
        for (int i = 0; i < directory.size(); i++) {
            BitmapDirectoryEntry e = directory.get(i);
            // A bitmap this image keeps up to date is consistent in memory, whatever the file says meanwhile.
            out.add(new Qcow2Bitmap(e.name(), e.granularity(), e.inUse() && !tracked.containsKey(i), e.auto()));
        }
        return out;
    }

    /** The bitmaps member of qemu's info (Qcow2BitmapInfo: name, granularity, flags), or null without any. */
    List<Object> infoList() {
        if (!consistent()) {
            return null;
        }
        List<Object> out = new ArrayList<>();
        for (BitmapDirectoryEntry e : directory) {
            Map<String, Object> b = new LinkedHashMap<>();
            b.put("name", e.name());
            b.put("granularity", e.granularity());
            List<Object> flags = new ArrayList<>();
            if (e.inUse()) {
                flags.add("in-use");
            }
            if (e.auto()) {
                flags.add("auto");
            }
            b.put("flags", flags);
            out.add(b);
        }
        return out;
    }

    /** The virtual-disk ranges a bitmap marks as changed. */
    List<ByteRange> changedRanges(String name, long diskSize) throws IOException {
        int index = indexOf(name);
        if (index < 0) {
            throw new IOException("Bitmap '" + name + "' not found");
        }
        BitmapDirectoryEntry e = directory.get(index);
        Tracked t = tracked.get(index);
        if (e.inUse() && t == null) {
            throw new UnsupportedFeatureException("bitmap in use", "Bitmap '" + name
                    + "' is inconsistent (in use: it was not saved cleanly); copy the whole disk instead");
        }
        if (e.extraData().length > 0 && (e.flags() & BitmapDirectoryEntry.FLAG_EXTRA_DATA_COMPATIBLE) == 0) {
            throw new UnsupportedFeatureException("bitmap extra data", "Bitmap '" + name
                    + "' has extra data this version does not understand");
        }
        long[] bits = t != null ? t.bits : readBits(e, diskSize);
        return ranges(bits, e.granularity(), diskSize);
    }

    int indexOf(String name) {
        for (int i = 0; i < directory.size(); i++) {
            if (directory.get(i).name().equals(name)) {
                return i;
            }
        }
        return -1;
    }

    static List<ByteRange> ranges(long[] bits, long granularity, long diskSize) {
        List<ByteRange> out = new ArrayList<>();
        long nbits = (diskSize + granularity - 1) / granularity;
        long i = 0;
        while (i < nbits) {
            long w = bits[(int) (i >>> 6)];
            if (w == 0 && (i & 63) == 0) {
                i += 64;
                continue;
            }
            if ((w & (1L << (i & 63))) == 0) {
                i++;
                continue;
            }
            long start = i;
            while (i < nbits && (bits[(int) (i >>> 6)] & (1L << (i & 63))) != 0) {
                i++;
            }
            long s = start * granularity;
            long e = Math.min(diskSize, i * granularity);
            out.add(new ByteRange(s, e - s));
        }
        return out;
    }

    /** Number of bitmap bits, of data bytes and of table entries for a disk of {@code size} bytes. */
    private long tableEntries(long size, long granularity) {
        long bytes = bitmapBytes(size, granularity);
        return (bytes + m.geo.clusterSize() - 1) / m.geo.clusterSize();
    }

    private static long bitmapBytes(long size, long granularity) {
        long nbits = (size + granularity - 1) / granularity;
        return (nbits + 7) / 8;
    }

    /** Reads a bitmap's data into memory (bit n = granule n). */
    private long[] readBits(BitmapDirectoryEntry e, long diskSize) throws IOException {
        if (e.type() != BitmapDirectoryEntry.TYPE_DIRTY_TRACKING || e.granularityBits() < 9
                || e.granularityBits() > 31) {
            throw new CorruptImageException("qcow2 bitmap '" + e.name() + "'", e.tableOffset(),
                    "unsupported type " + e.type() + " or granularity 2^" + e.granularityBits());
        }
        long bytes = bitmapBytes(diskSize, e.granularity());
        if (bytes > MAX_TRACKED_BYTES) {
            throw new UnsupportedFeatureException("bitmap size", "Bitmap '" + e.name() + "' is too large ("
                    + bytes + " bytes) to load");
        }
        long entries = tableEntries(diskSize, e.granularity());
        if (e.tableSize() != entries) {
            throw new CorruptImageException("qcow2 bitmap '" + e.name() + "'", e.tableOffset(),
                    "table size " + Integer.toUnsignedString(e.tableSize()) + " does not match the disk size ("
                            + entries + " entries expected)");
        }
        long[] table = readTable(e);
        int cs = m.geo.clusterSize();
        long[] bits = new long[(int) ((bytes + 7) / 8)];
        byte[] cluster = new byte[cs];
        for (int k = 0; k < table.length; k++) {
            long off = table[k] & TABLE_OFFSET_MASK;
            int n = (int) Math.min(cs, bytes - (long) k * cs);
            if (off == 0) {
                java.util.Arrays.fill(cluster, 0, n, (table[k] & 1) != 0 ? (byte) 0xff : 0);
            } else {
                if (m.geo.offsetInCluster(off) != 0 || off >= m.file.size()) {
                    throw new CorruptImageException("qcow2 bitmap table '" + e.name() + "'",
                            e.tableOffset() + k * 8L, "data cluster offset 0x" + Long.toHexString(off) + " is invalid");
                }
                java.util.Arrays.fill(cluster, (byte) 0);
                m.file.readAt(off, ByteBuffer.wrap(cluster, 0, n));
            }
            long base = (long) k * cs;
            for (int i = 0; i < n; i++) {
                long at = base + i;
                bits[(int) (at >>> 3)] |= (cluster[i] & 0xffL) << ((at & 7) * 8);
            }
        }
        // Bits past the end of the disk are zero by the spec; do not let a damaged tail claim changes there.
        long nbits = (diskSize + e.granularity() - 1) / e.granularity();
        for (long b = nbits; b < (long) bits.length * 64; b++) {
            bits[(int) (b >>> 6)] &= ~(1L << (b & 63));
        }
        return bits;
    }

    private long[] readTable(BitmapDirectoryEntry e) throws IOException {
        long offset = e.tableOffset();
        if (e.tableSize() == 0) {
            return new long[0];
        }
        if (m.geo.offsetInCluster(offset) != 0) {
            throw new CorruptImageException("qcow2 bitmap '" + e.name() + "'", offset, "table is not cluster aligned");
        }
        return m.readLongs(offset, e.tableSize(), "qcow2 bitmap table '" + e.name() + "'", m.file.size());
    }

    /** Before the first guest write: load the enabled bitmaps and mark them in use on disk. */
    void beginWrite(long diskSize) throws IOException {
        if (started || directory.isEmpty()) {
            started = true;
            return;
        }
        started = true;
        boolean changed = false;
        for (int i = 0; i < directory.size(); i++) {
            BitmapDirectoryEntry e = directory.get(i);
            if (!e.auto() || e.inUse()) {
                continue; // disabled bitmaps do not change; in-use ones are inconsistent already
            }
            boolean usable = e.extraData().length == 0
                    || (e.flags() & BitmapDirectoryEntry.FLAG_EXTRA_DATA_COMPATIBLE) != 0;
            if (usable && bitmapBytes(diskSize, e.granularity()) <= MAX_TRACKED_BYTES) {
                try {
                    tracked.put(i, new Tracked(readBits(e, diskSize), e.granularity(), readTable(e), true));
                } catch (CorruptImageException ex) {
                    // A damaged bitmap cannot be kept up to date: leave it marked in use.
                }
            }
            directory.set(i, e.withFlags(e.flags() | BitmapDirectoryEntry.FLAG_IN_USE));
            changed = true;
        }
        if (changed) {
            writeDirectoryInPlace();
            m.barrier();
        }
    }

    private void writeDirectoryInPlace() throws IOException {
        byte[] dir = BitmapDirectoryEntry.toBytes(directory);
        m.file.write(m.header.bitmaps.directoryOffset(), ByteBuffer.wrap(dir));
    }

    /** Records a guest write in every tracked bitmap. */
    void markDirty(long pos, long len) {
        if (tracked.isEmpty() || len <= 0) {
            return;
        }
        for (Tracked t : tracked.values()) {
            if (!t.records) {
                continue;
            }
            long first = pos / t.granularity;
            long last = (pos + len - 1) / t.granularity;
            for (long b = first; b <= last; b++) {
                int w = (int) (b >>> 6);
                if (w >= t.bits.length) {
                    break;
                }
                t.bits[w] |= 1L << (b & 63);
            }
        }
    }

    /** Marks every tracked bitmap entirely dirty (the whole disk may have changed, e.g. a snapshot was applied). */
    void markAllDirty(long diskSize) {
        markDirty(0, diskSize);
    }

    /** Removes every bitmap (compat downgrade: v2 cannot store them) and frees their clusters. */
    void dropAll() throws IOException {
        BitmapsExtension ext = m.header.bitmaps;
        if (ext == null) {
            return;
        }
        if (consistent()) {
            for (BitmapDirectoryEntry e : directory) {
                if (e.tableSize() > 0) {
                    for (long entry : readTable(e)) {
                        long off = entry & TABLE_OFFSET_MASK;
                        if (off != 0) {
                            m.refcounts.freeLater(off, m.geo.clusterSize());
                        }
                    }
                    m.ranges.remove(e.tableOffset());
                    m.refcounts.freeLater(e.tableOffset(), (long) e.tableSize() * 8);
                }
            }
            m.ranges.remove(ext.directoryOffset());
            m.refcounts.freeLater(ext.directoryOffset(), ext.directorySize());
        }
        directory = new ArrayList<>();
        tracked.clear();
        m.header.bitmaps = null;
        m.header.autoclear &= ~Qcow2Header.AUTOCLEAR_BITMAPS;
        m.writeHeader();
        m.barrier();
    }

    /**
     * Carries every bitmap through a change of the disk size, as qemu does: all are loaded (and marked in use
     * until stored), cut or extended with clean bits.
     */
    void resize(long oldSize, long newSize) throws IOException {
        if (directory.isEmpty()) {
            return;
        }
        boolean changed = false;
        for (int i = 0; i < directory.size(); i++) {
            BitmapDirectoryEntry e = directory.get(i);
            if (tracked.containsKey(i)) {
                continue;
            }
            if (e.inUse()) {
                throw new IOException("Cannot resize an image with the inconsistent bitmap '" + e.name() + "'");
            }
            tracked.put(i, new Tracked(readBits(e, oldSize), e.granularity(), readTable(e), e.auto()));
            directory.set(i, e.withFlags(e.flags() | BitmapDirectoryEntry.FLAG_IN_USE));
            changed = true;
        }
        if (changed) {
            writeDirectoryInPlace();
            m.barrier();
        }
        for (Tracked t : tracked.values()) {
            long nbits = (newSize + t.granularity - 1) / t.granularity;
            long[] bits = java.util.Arrays.copyOf(t.bits, (int) ((bitmapBytes(newSize, t.granularity) + 7) / 8));
            for (long b = nbits; b < (long) bits.length * 64; b++) {
                bits[(int) (b >>> 6)] &= ~(1L << (b & 63));
            }
            t.bits = bits;
        }
    }


    /**
     * On clean close: writes the tracked bitmaps to new clusters, then a new directory with in_use cleared, then
     * the header, then frees the old clusters.
     */
    void store(long diskSize) throws IOException {
        if (tracked.isEmpty()) {
            return;
        }
        int cs = m.geo.clusterSize();
        List<long[]> toFree = new ArrayList<>();
        for (Map.Entry<Integer, Tracked> en : tracked.entrySet()) {
            int index = en.getKey();
            Tracked t = en.getValue();
            BitmapDirectoryEntry e = directory.get(index);
            long bytes = bitmapBytes(diskSize, t.granularity);
            int entries = (int) tableEntries(diskSize, t.granularity);
            long[] table = new long[entries];
            byte[] cluster = new byte[cs];
            for (int k = 0; k < entries; k++) {
                int n = (int) Math.min(cs, bytes - (long) k * cs);
                java.util.Arrays.fill(cluster, (byte) 0);
                boolean zero = true;
                for (int i = 0; i < n; i++) {
                    long byteIndex = (long) k * cs + i;
                    byte v = (byte) (t.bits[(int) (byteIndex >>> 3)] >>> ((byteIndex & 7) * 8));
                    cluster[i] = v;
                    zero &= v == 0;
                }
                if (zero) {
                    continue;
                }
                long off = m.refcounts.allocateClusters(1);
                m.file.write(off, ByteBuffer.wrap(cluster, 0, n));
                table[k] = off;
            }
            long tableOffset = 0;
            if (entries > 0) {
                tableOffset = m.refcounts.allocateClusters(m.geo.clustersFor((long) entries * 8));
                m.file.write(tableOffset, ByteBuffer.wrap(L1Table.toBytes(table, 0, entries)));
            }
            toFree.add(new long[] {e.tableOffset(), (long) e.tableSize() * 8});
            for (long old : t.oldTable) {
                long off = old & TABLE_OFFSET_MASK;
                if (off != 0) {
                    toFree.add(new long[] {off, cs});
                }
            }
            if (e.tableSize() > 0) {
                m.ranges.remove(e.tableOffset());
            }
            if (entries > 0) {
                m.ranges.add(tableOffset, (long) entries * 8, MetadataRanges.Kind.BITMAP);
            }
            directory.set(index, e.withTable(tableOffset, entries)
                    .withFlags(e.flags() & ~BitmapDirectoryEntry.FLAG_IN_USE));
        }
        byte[] dir = BitmapDirectoryEntry.toBytes(directory);
        long dirOffset = m.refcounts.allocateClusters(m.geo.clustersFor(dir.length));
        m.file.write(dirOffset, ByteBuffer.wrap(dir));
        m.flushMetadata();
        m.barrier();
        BitmapsExtension old = m.header.bitmaps;
        m.header.bitmaps = new BitmapsExtension(directory.size(), dir.length, dirOffset);
        m.header.autoclear |= Qcow2Header.AUTOCLEAR_BITMAPS;
        m.writeHeader();
        m.barrier();
        m.ranges.remove(old.directoryOffset());
        m.ranges.add(dirOffset, dir.length, MetadataRanges.Kind.BITMAP);
        m.refcounts.freeLater(old.directoryOffset(), old.directorySize());
        for (long[] f : toFree) {
            if (f[0] != 0 && f[1] > 0) {
                m.refcounts.freeLater(f[0], f[1]);
            }
        }
        tracked.clear();
    }
}
