package dev.platter.format.qcow2;

import dev.platter.core.Extent;
import dev.platter.core.image.Image;
import dev.platter.core.storage.Storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Guest reads and the allocation map through one L1 table (the active one, or a snapshot's copy): translates guest
 * offsets into runs of clusters (or subclusters) of the same kind, reads them from the image file, the data file,
 * the backing image or a decompressed cluster, and composes {@link Extent}s with the backing chain. Callers hold
 * the image's read lock.
 */
final class GuestReader {
    /** A run of guest bytes with one status; {@code host} is the host offset of its first byte, or -1. */
    record Run(L2Entry.Type type, long length, long host, long compressedEntry) {
    }

    private final Qcow2Metadata m;
    private final Supplier<L1Table> l1;
    private final LongSupplier size;
    private final Supplier<Image> backing;
    private final DataFile data;
    private final ClusterDecompressor decompressor;
    private final ThreadLocal<Decompressed> lastCluster = ThreadLocal.withInitial(Decompressed::new);

    /** The last cluster a thread decompressed, so that small sequential reads inflate it once. */
    private static final class Decompressed {
        long entry = -1;
        long generation = -1;
        Object owner;
        byte[] bytes;
    }

    GuestReader(Qcow2Metadata m, Supplier<L1Table> l1, LongSupplier size, Supplier<Image> backing, DataFile data,
                ClusterDecompressor decompressor) {
        this.m = m;
        this.l1 = l1;
        this.size = size;
        this.backing = backing;
        this.data = data;
        this.decompressor = decompressor;
    }

    /** The run starting at {@code pos}: at most {@code maxLen} bytes, within one L2 table. */
    Run lookup(long pos, long maxLen) throws IOException {
        Geometry g = m.geo;
        long l1Index = g.l1Index(pos);
        long inTable = g.l2Coverage() - (pos & (g.l2Coverage() - 1));
        long limit = Math.min(maxLen, inTable);
        L1Table table = l1.get();
        long l2Offset = L2Entry.l1Offset(table.get(l1Index));
        if (l2Offset == 0) {
            return new Run(L2Entry.Type.UNALLOCATED, limit, -1, 0);
        }
        L2Table l2 = m.loadL2(l2Offset, l1Index);
        int index = g.l2Index(pos);
        return g.extendedL2() ? extendedRun(l2, index, pos, limit) : standardRun(l2, index, pos, limit);
    }

    private Run standardRun(L2Table l2, int index, long pos, long limit) throws IOException {
        Geometry g = m.geo;
        int cs = g.clusterSize();
        long entry = l2.entry(index);
        L2Entry.Type type = L2Entry.standardType(entry, m.header.hasDataFile());
        long within = g.offsetInCluster(pos);
        long len = cs - within;
        if (type == L2Entry.Type.COMPRESSED) {
            return new Run(type, Math.min(len, limit), -1, entry);
        }
        long host = -1;
        boolean hasHost = type == L2Entry.Type.NORMAL || type == L2Entry.Type.ZERO_ALLOC;
        if (hasHost) {
            host = checkedHost(entry, l2, index) + within;
        }
        // Extend over following entries of the same kind (and contiguous host clusters).
        int i = index + 1;
        while (len < limit && i < l2.entries()) {
            long e = l2.entry(i);
            if (L2Entry.standardType(e, m.header.hasDataFile()) != type) {
                break;
            }
            if (hasHost && checkedHost(e, l2, i) != host - within + (long) (i - index) * cs) {
                break;
            }
            len += cs;
            i++;
        }
        return new Run(type, Math.min(len, limit), host, 0);
    }

    private Run extendedRun(L2Table l2, int index, long pos, long limit) throws IOException {
        Geometry g = m.geo;
        int cs = g.clusterSize();
        int scs = g.subclusterSize();
        long entry = l2.entry(index);
        long bitmap = l2.bitmap(index);
        long within = g.offsetInCluster(pos);
        int sc = (int) (within / scs);
        L2Entry.Type type = subclusterType(entry, bitmap, sc, l2, index);
        if (type == L2Entry.Type.COMPRESSED) {
            return new Run(type, Math.min(cs - within, limit), -1, entry);
        }
        boolean hasHost = type != L2Entry.Type.UNALLOCATED && type != L2Entry.Type.ZERO_PLAIN;
        long clusterHost = hasHost ? checkedHost(entry, l2, index) : -1;
        long host = hasHost ? clusterHost + within : -1;
        long len = (long) (sc + 1) * scs - within;
        int s = sc + 1;
        int i = index;
        long e = entry;
        long bm = bitmap;
        long base = clusterHost;
        while (len < limit) {
            if (s == Geometry.SUBCLUSTERS) {
                i++;
                if (i >= l2.entries()) {
                    break;
                }
                e = l2.entry(i);
                bm = l2.bitmap(i);
                s = 0;
                if (L2Entry.isCompressed(e)) {
                    break;
                }
                if (hasHost) {
                    if (L2Entry.hostOffset(e) == 0 && !m.header.hasDataFile()) {
                        break;
                    }
                    base = checkedHost(e, l2, i);
                    if (base != clusterHost + (long) (i - index) * cs) {
                        break;
                    }
                }
            }
            if (subclusterType(e, bm, s, l2, i) != type) {
                break;
            }
            len += scs;
            s++;
        }
        return new Run(type, Math.min(len, limit), host, 0);
    }

    private L2Entry.Type subclusterType(long entry, long bitmap, int sc, L2Table l2, int index) throws IOException {
        if (!L2Entry.isCompressed(entry) && (bitmap & (bitmap >>> 32) & L2Entry.ALL_ALLOCATED) != 0) {
            throw m.corruption("qcow2 L2 table", l2.offset + (long) index * 16, "subcluster bitmap 0x"
                    + Long.toHexString(bitmap) + " marks subclusters both allocated and zero");
        }
        L2Entry.Type t = L2Entry.subclusterType(entry, bitmap, sc, m.header.hasDataFile());
        if (t == L2Entry.Type.NORMAL && L2Entry.hostOffset(entry) == 0 && !m.header.hasDataFile()) {
            throw m.corruption("qcow2 L2 table", l2.offset + (long) index * 16,
                    "subcluster " + sc + " is allocated but the cluster has no host offset");
        }
        return t;
    }

    /** The host cluster offset of an entry, which must be cluster aligned. */
    private long checkedHost(long entry, L2Table l2, int index) throws IOException {
        long host = L2Entry.hostOffset(entry);
        if (m.geo.offsetInCluster(host) != 0) {
            throw m.corruption("qcow2 L2 table", l2.offset + (long) index * m.geo.l2EntryBytes(),
                    "Cluster allocation offset 0x" + Long.toHexString(host) + " unaligned (L2 offset: 0x"
                            + Long.toHexString(l2.offset) + ", L2 index: 0x" + Integer.toHexString(index) + ")");
        }
        return host;
    }

    /** Reads {@code dst.remaining()} guest bytes at {@code pos} (bounds checked by the caller). */
    void read(long pos, ByteBuffer dst) throws IOException {
        while (dst.hasRemaining()) {
            Run run = lookup(pos, dst.remaining());
            int n = (int) run.length();
            ByteBuffer part = dst.slice(dst.position(), n);
            switch (run.type()) {
                case NORMAL -> readHost(run.host(), part);
                case ZERO_PLAIN, ZERO_ALLOC -> fillZero(part);
                case UNALLOCATED, UNALLOCATED_ALLOC -> readBacking(pos, part);
                case COMPRESSED -> {
                    byte[] cluster = decompressed(run.compressedEntry());
                    part.put(cluster, (int) m.geo.offsetInCluster(pos), n);
                }
                default -> throw new IllegalStateException(run.type().toString());
            }
            dst.position(dst.position() + n);
            pos += n;
        }
    }

    private void readHost(long host, ByteBuffer part) throws IOException {
        Storage s = data.storage();
        s.readAt(host, part);
        fillZero(part); // past the end of the file: zeros
    }

    /** Reads the backing image's bytes for an unallocated range (zeros past its end or without one). */
    void readBacking(long pos, ByteBuffer part) throws IOException {
        Image b = backing.get();
        if (b != null && pos < b.size()) {
            int n = (int) Math.min(part.remaining(), b.size() - pos);
            b.read(pos, part.slice(part.position(), n));
            part.position(part.position() + n);
        }
        fillZero(part);
    }

    static void fillZero(ByteBuffer b) {
        if (b.hasArray()) {
            Arrays.fill(b.array(), b.arrayOffset() + b.position(), b.arrayOffset() + b.limit(), (byte) 0);
            b.position(b.limit());
        } else {
            while (b.hasRemaining()) {
                b.put((byte) 0);
            }
        }
    }

    /** The whole cluster a compressed L2 entry describes. */
    byte[] decompressed(long entry) throws IOException {
        Decompressed d = lastCluster.get();
        long gen = m.compressedGeneration;
        if (d.entry == entry && d.generation == gen && d.owner == this) {
            return d.bytes;
        }
        int cs = m.geo.clusterSize();
        CompressedDescriptor desc = CompressedDescriptor.decode(entry, m.geo.clusterBits());
        long fileSize = m.file.size();
        if (desc.hostOffset() >= fileSize) {
            throw m.corruption("qcow2 compressed cluster", desc.hostOffset(), "lies past the end of the file");
        }
        int avail = (int) Math.min(desc.availableBytes(), fileSize - desc.hostOffset());
        byte[] src = new byte[avail];
        m.file.readFully(desc.hostOffset(), ByteBuffer.wrap(src));
        byte[] out = d.bytes != null && d.bytes.length == cs ? d.bytes : new byte[cs];
        d.entry = -1;
        try {
            decompressor.decompress(src, avail, out);
        } catch (IOException e) {
            throw m.corruption("qcow2 compressed cluster", desc.hostOffset(), "Could not decompress: "
                    + e.getMessage());
        }
        d.entry = entry;
        d.generation = gen;
        d.owner = this;
        d.bytes = out;
        return out;
    }

    /** The allocation status of the run at {@code pos}, composed with the backing chain. */
    Extent mapping(long pos, long maxLen) throws IOException {
        long limit = Math.min(maxLen, size.getAsLong() - pos);
        Extent first = extentAt(pos, limit);
        // Merge following runs that continue this one (across L2 tables).
        Extent e = first;
        int steps = 0;
        while (e.length() < limit && steps++ < 4096) {
            Extent next = extentAt(e.end(), limit - e.length());
            if (!e.continuesWith(next)) {
                break;
            }
            e = e.merge(next);
        }
        return e;
    }

    private Extent extentAt(long pos, long limit) throws IOException {
        Run run = lookup(pos, limit);
        long len = run.length();
        return switch (run.type()) {
            case NORMAL -> new Extent(pos, len, Extent.Status.DATA, 0, run.host(), false, data.storage());
            case ZERO_PLAIN -> new Extent(pos, len, Extent.Status.ZERO, 0, -1, false, null);
            case ZERO_ALLOC -> new Extent(pos, len, Extent.Status.ZERO, 0, run.host(), false, data.storage());
            case COMPRESSED -> new Extent(pos, len, Extent.Status.DATA, 0, -1, true, m.file);
            case UNALLOCATED, UNALLOCATED_ALLOC -> unallocated(pos, len, run);
        };
    }

    private Extent unallocated(long pos, long len, Run run) throws IOException {
        Image b = backing.get();
        if (b != null && pos < b.size()) {
            Extent sub = b.mapping(pos, Math.min(len, b.size() - pos));
            return sub.withDepth(sub.depth() + 1);
        }
        int depth = b == null ? 0 : 1 + bottomDepth(b);
        long host = run.type() == L2Entry.Type.UNALLOCATED_ALLOC && b == null ? run.host() : -1;
        return new Extent(pos, len, Extent.Status.UNALLOCATED, depth, host, false, host < 0 ? null : data.storage());
    }

    /** Index of the bottom layer below {@code image} (0 when it has no backing file). */
    static int bottomDepth(Image image) {
        int d = 0;
        for (Image i = image.backing(); i != null && d < 1 << 16; i = i.backing()) {
            d++;
        }
        return d;
    }
}
