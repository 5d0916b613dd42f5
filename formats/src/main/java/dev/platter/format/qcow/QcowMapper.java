package dev.platter.format.qcow;

import dev.platter.core.CorruptImageException;
import dev.platter.core.UnsupportedFeatureException;
import dev.platter.core.crypto.LegacyAes;
import dev.platter.core.image.ImageMapper;
import dev.platter.core.image.MappedRun;
import dev.platter.core.storage.Storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * What lies at an offset of a qcow (version 1) image, as qemu's get_cluster_offset answers it: the L1 table (in
 * memory) names L2 tables (read on demand into a bounded cache), whose entries are a cluster's offset, 0 (not
 * allocated: the backing file, or zeros), or a compressed cluster (top bit set; its size in the bits below,
 * raw deflate, inflated one cluster at a time). Clusters one after another in the file are answered as one run.
 * Data, tables or compressed clusters that start past the end of the file are damage: qemu would read zeros
 * there, Platter says so.
 *
 * <p>Legacy AES images hold their data clusters as ciphertext whose IV is the guest sector: those runs only the
 * format reads ({@link LegacyAes}; their token the host offset, which never has the compressed bit), and have no
 * host offset in the map, as qemu shows none. Compressed clusters are stored in the clear, as qemu stores them.
 */
final class QcowMapper implements ImageMapper {
    /** Platter holds the L1 table in memory: at most this many entries (a 256 MiB table). */
    static final long MAX_L1 = 1L << 25;
    private static final long COMPRESSED = 1L << 63;

    private final Storage storage;
    private final QcowHeader h;
    /** The cipher of an AES image opened with its key, else null (an AES image's data is then refused). */
    private final LegacyAes aes;
    private final long[] l1;
    private final long fileSize;
    private final Map<Long, long[]> l2Cache;
    private final ThreadLocal<Inflated> lastCluster = ThreadLocal.withInitial(Inflated::new);

    private static final class Inflated {
        long entry = -1;
        byte[] bytes;
    }

    private QcowMapper(Storage storage, QcowHeader h, LegacyAes aes, long[] l1, long fileSize) {
        this.storage = storage;
        this.h = h;
        this.aes = aes;
        this.l1 = l1;
        this.fileSize = fileSize;
        this.l2Cache = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, long[]> eldest) {
                return size() > 256;
            }
        };
    }

    /** @param aes the cipher of an AES image (null without the key, or for an image that is not encrypted) */
    static QcowMapper read(Storage storage, QcowHeader h, LegacyAes aes) throws IOException {
        long fileSize = storage.size();
        long n = h.l1Entries;
        if (Long.compareUnsigned(h.l1Offset, fileSize) > 0 || n * 8 > fileSize - h.l1Offset) {
            throw new CorruptImageException("qcow L1 table of '" + storage.name() + "'", h.l1Offset, n
                    + " entries run past the end of the file (" + fileSize + " bytes)");
        }
        if (n > MAX_L1) {
            throw new UnsupportedFeatureException("qcow L1 tables over " + MAX_L1 + " entries", "'"
                    + storage.name() + "': a qcow L1 table of " + n + " entries (Platter holds at most " + MAX_L1
                    + ")");
        }
        long[] l1 = new long[(int) n];
        ByteBuffer b = ByteBuffer.allocate((int) n * 8);
        storage.readFully(h.l1Offset, b);
        b.flip().asLongBuffer().get(l1);
        return new QcowMapper(storage, h, aes, l1, fileSize);
    }

    @Override
    public MappedRun map(long pos, long maxLen) throws IOException {
        long cluster = h.clusterSize();
        long span = cluster << h.l2Bits;
        long limit = Math.min(maxLen, Math.min(h.size - pos, span - pos % span));
        long within = pos % cluster;
        long entry = entry(pos);
        long start = pos - within;
        if (entry == 0) {
            long len = cluster - within;
            for (long k = 1; len < limit && entry(start + k * cluster) == 0; k++) {
                len += cluster;
            }
            return new MappedRun(MappedRun.Kind.UNALLOCATED, Math.min(len, limit), null, -1, 0);
        }
        if ((entry & COMPRESSED) != 0) {
            compressedPlace(entry, pos);
            return new MappedRun(MappedRun.Kind.COMPRESSED, Math.min(cluster - within, limit), storage, -1, entry);
        }
        checkData(entry, pos);
        if (h.encrypted()) {
            if (aes == null) {
                throw new IOException(QcowImage.KEY_REQUIRED);
            }
            if (entry % 512 != 0) {
                // qemu fails such a read (EIO): the sectors of the cluster would not be the guest's sectors
                throw new CorruptImageException("qcow L2 table of '" + storage.name() + "'", -1, "the encrypted "
                        + "cluster at offset " + (pos - within) + " lies at " + entry + ", not on a sector boundary");
            }
        }
        long len = cluster - within;
        for (long k = 1; len < limit; k++) {
            long next = entry(start + k * cluster);
            if (next != entry + k * cluster || next >= fileSize) {
                break; // a damaged neighbour is reported when the map reaches it
            }
            len += cluster;
        }
        if (h.encrypted()) {
            return new MappedRun(MappedRun.Kind.COMPRESSED, Math.min(len, limit), storage, -1, entry + within);
        }
        return new MappedRun(MappedRun.Kind.DATA, Math.min(len, limit), storage, entry + within, 0);
    }

    /** The L2 entry of the cluster holding {@code pos}, 0 when its L2 table is not allocated. */
    private long entry(long pos) throws IOException {
        long cluster = h.clusterSize();
        int l1Index = (int) (pos >>> (h.clusterBits + h.l2Bits));
        long l2Offset = l1[l1Index];
        if (l2Offset == 0) {
            return 0;
        }
        long[] l2 = l2(l1Index, l2Offset);
        return l2[(int) ((pos / cluster) & (h.l2Entries() - 1))];
    }

    private long[] l2(int l1Index, long offset) throws IOException {
        synchronized (l2Cache) {
            long[] t = l2Cache.get(offset);
            if (t == null) {
                long bytes = (long) h.l2Entries() * 8;
                if (offset < 0 || offset > fileSize - bytes) {
                    throw new CorruptImageException("qcow L1 table of '" + storage.name() + "'",
                            h.l1Offset + l1Index * 8L, "L1 entry " + l1Index + " points to an L2 table at "
                                    + Long.toUnsignedString(offset) + ", past the end of the file (" + fileSize
                                    + " bytes)");
                }
                ByteBuffer b = ByteBuffer.allocate((int) bytes);
                storage.readFully(offset, b);
                t = new long[h.l2Entries()];
                b.flip().asLongBuffer().get(t);
                l2Cache.put(offset, t);
            }
            return t;
        }
    }

    private void checkData(long entry, long pos) throws CorruptImageException {
        if (entry >= fileSize) {
            throw new CorruptImageException("qcow L2 table of '" + storage.name() + "'", -1, "the cluster at "
                    + "offset " + (pos - pos % h.clusterSize()) + " lies at " + Long.toUnsignedString(entry)
                    + ", past the end of the file (" + fileSize + " bytes)");
        }
    }

    /** A compressed cluster's place: {offset, stored bytes}, inside the file. */
    private long[] compressedPlace(long entry, long pos) throws CorruptImageException {
        int bits = h.clusterBits;
        long stored = (entry >>> (63 - bits)) & (h.clusterSize() - 1);
        long offset = entry & ((1L << (63 - bits)) - 1);
        if (offset >= fileSize) {
            throw new CorruptImageException("qcow L2 table of '" + storage.name() + "'", -1, "the compressed "
                    + "cluster at offset " + (pos - pos % h.clusterSize()) + " lies at " + offset
                    + ", past the end of the file (" + fileSize + " bytes)");
        }
        return new long[] {offset, Math.min(stored, fileSize - offset)};
    }

    @Override
    public void readCompressed(MappedRun run, long pos, ByteBuffer dst) throws IOException {
        long entry = run.token();
        if ((entry & COMPRESSED) == 0) {
            aes.read(storage, entry, pos, dst); // legacy AES data, from the run's start
            return;
        }
        Inflated last = lastCluster.get();
        if (last.entry != entry) {
            long[] place = compressedPlace(entry, pos);
            byte[] in = new byte[(int) place[1]];
            storage.readFully(place[0], ByteBuffer.wrap(in));
            byte[] out = new byte[(int) h.clusterSize()];
            Inflater inflater = new Inflater(true);
            try {
                inflater.setInput(in);
                int n = 0;
                while (n < out.length && !inflater.finished() && !inflater.needsInput()) {
                    int got = inflater.inflate(out, n, out.length - n);
                    if (got == 0 && (inflater.needsDictionary() || inflater.needsInput())) {
                        break;
                    }
                    n += got;
                }
                if (n != out.length) {
                    throw new CorruptImageException("qcow compressed cluster of '" + storage.name() + "'",
                            place[0], "inflates to " + n + " bytes, not a cluster of " + out.length);
                }
            } catch (DataFormatException e) {
                throw new CorruptImageException("qcow compressed cluster of '" + storage.name() + "'", place[0],
                        "not deflate data (" + e.getMessage() + ")");
            } finally {
                inflater.end();
            }
            last.entry = entry;
            last.bytes = out;
        }
        int within = (int) (pos % h.clusterSize());
        dst.put(last.bytes, within, dst.remaining());
    }
}
