package dev.platter.format.qcow2;

import dev.platter.core.Extent;
import dev.platter.core.image.Image;
import dev.platter.core.image.ImageMapper;
import dev.platter.core.image.MappedReader;
import dev.platter.core.image.MappedRun;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The mapping through one L1 table (the active one, or a snapshot's copy): translates virtual offsets into runs of
 * clusters (or subclusters) of the same kind, and decompresses compressed clusters; core's {@link MappedReader}
 * reads the runs and composes {@link Extent}s with the backing chain. Callers hold the image's read lock.
 */
final class ClusterMapper implements ImageMapper {

    private final Qcow2Metadata m;
    private final Supplier<L1Table> l1;
    private final DataFile data;
    private final ClusterDecompressor decompressor;
    private final MappedReader reads;
    private final ThreadLocal<Decompressed> lastCluster = ThreadLocal.withInitial(Decompressed::new);

    /** The last cluster a thread decompressed, so that small sequential reads inflate it once. */
    private static final class Decompressed {
        long entry = -1;
        long generation = -1;
        Object owner;
        byte[] bytes;
    }

    ClusterMapper(Qcow2Metadata m, Supplier<L1Table> l1, LongSupplier size, Supplier<Image> backing, DataFile data,
                ClusterDecompressor decompressor) {
        this.m = m;
        this.l1 = l1;
        this.data = data;
        this.decompressor = decompressor;
        this.reads = new MappedReader(this, size, backing);
    }

    @Override
    public MappedRun map(long pos, long maxLen) throws IOException {
        return lookup(pos, maxLen);
    }

    /** The run of one kind starting at {@code pos}: at most {@code maxLen} bytes, within one L2 table. */
    MappedRun lookup(long pos, long maxLen) throws IOException {
        Geometry g = m.geo;
        long l1Index = g.l1Index(pos);
        long inTable = g.l2Coverage() - (pos & (g.l2Coverage() - 1));
        long limit = Math.min(maxLen, inTable);
        L1Table table = l1.get();
        long l2Offset = L2Entry.l1Offset(table.get(l1Index));
        if (l2Offset == 0) {
            return new MappedRun(MappedRun.Kind.UNALLOCATED, limit, null, -1, 0);
        }
        L2Table l2 = m.loadL2(l2Offset, l1Index);
        int index = g.l2Index(pos);
        return g.extendedL2() ? extendedRun(l2, index, pos, limit) : standardRun(l2, index, pos, limit);
    }

    /**
     * The core run for an L2 entry type; {@code host} is the host offset of the first byte, or -1. Legacy AES data
     * is ciphertext whose IV is the guest sector: a run only the format can read ({@link #readCompressed}, its token
     * the host offset, which never has the compressed bit), with no host offset shown for any cluster, as qemu shows
     * none for encrypted images.
     */
    private MappedRun run(L2Entry.Type type, long length, long host, long compressedEntry) throws IOException {
        boolean aes = data.legacyAes() != null;
        long shown = aes ? -1 : host;
        return switch (type) {
            case NORMAL -> aes ? new MappedRun(MappedRun.Kind.COMPRESSED, length, data.storage(), -1, host)
                    : new MappedRun(MappedRun.Kind.DATA, length, data.storage(), host, 0);
            case ZERO_PLAIN -> new MappedRun(MappedRun.Kind.ZERO, length, null, -1, 0);
            case ZERO_ALLOC -> new MappedRun(MappedRun.Kind.ZERO, length, data.storage(), shown, 0);
            case UNALLOCATED -> new MappedRun(MappedRun.Kind.UNALLOCATED, length, null, -1, 0);
            case UNALLOCATED_ALLOC -> new MappedRun(MappedRun.Kind.UNALLOCATED, length, data.storage(), shown, 0);
            case COMPRESSED -> new MappedRun(MappedRun.Kind.COMPRESSED, length, m.file, -1, compressedEntry);
        };
    }

    /**
     * Reads a run only the format can read, from its start {@code pos}: a compressed cluster (inflated, never
     * decrypted: qemu stores compressed clusters of an AES image in the clear), or legacy AES data.
     */
    @Override
    public void readCompressed(MappedRun run, long pos, ByteBuffer dst) throws IOException {
        if (!L2Entry.isCompressed(run.token()) && data.legacyAes() != null) {
            data.legacyAes().read(run.host(), run.token(), pos, dst);
            return;
        }
        dst.put(decompressed(run.token()), (int) m.geo.offsetInCluster(pos), dst.remaining());
    }

    /** Reads {@code dst.remaining()} virtual bytes at {@code pos} (bounds checked by the caller). */
    void read(long pos, ByteBuffer dst) throws IOException {
        reads.read(pos, dst);
    }

    /** The allocation status of the run at {@code pos}, composed with the backing chain. */
    Extent mapping(long pos, long maxLen) throws IOException {
        return reads.mapping(pos, maxLen);
    }

    private MappedRun standardRun(L2Table l2, int index, long pos, long limit) throws IOException {
        Geometry g = m.geo;
        int cs = g.clusterSize();
        long entry = l2.entry(index);
        L2Entry.Type type = L2Entry.standardType(entry, m.header.hasDataFile());
        long within = g.offsetInCluster(pos);
        long len = cs - within;
        if (type == L2Entry.Type.COMPRESSED) {
            return run(type, Math.min(len, limit), -1, entry);
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
        return run(type, Math.min(len, limit), host, 0);
    }

    private MappedRun extendedRun(L2Table l2, int index, long pos, long limit) throws IOException {
        Geometry g = m.geo;
        int cs = g.clusterSize();
        int scs = g.subclusterSize();
        long entry = l2.entry(index);
        long bitmap = l2.bitmap(index);
        long within = g.offsetInCluster(pos);
        int sc = (int) (within / scs);
        L2Entry.Type type = subclusterType(entry, bitmap, sc, l2, index);
        if (type == L2Entry.Type.COMPRESSED) {
            return run(type, Math.min(cs - within, limit), -1, entry);
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
        return run(type, Math.min(len, limit), host, 0);
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
}
