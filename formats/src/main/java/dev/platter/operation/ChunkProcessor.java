package dev.platter.operation;

import dev.platter.core.image.capability.CompressedWrites;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns one request into the writes the target needs, with qemu-img convert's rules (its convert_co_write):
 * data is read and, with {@code -S}, zero stretches are found and left out (or zeroed when the target does not
 * already read as zeros); zero runs cost nothing on a zero-initialised target; with {@code -c} each cluster is
 * compressed, or stored as it is when that does not make it smaller.
 */
final class ChunkProcessor {
    private final ConvertSources sources;
    /** Zero stretches of at least this many sectors in data are left out; 0: write everything. */
    private final long sparseSectors;
    /** Data is written as it is and zero runs as zero writes (no scanning, no full allocation). */
    private final boolean asIs;
    private final int alignmentSectors;
    private final boolean targetReadsZero;
    private final CompressedWrites compressor;
    private final ByteBuffer zeros;
    private volatile ByteBuffer compressedZeroCluster;
    /** Screens clusters before a slow codec, or null. */
    private final CompressibilityProbe probe;

    /**
     * @param sparseSize      {@code -S} in bytes (0: write everything)
     * @param targetReadsZero the target reads as zeros wherever nothing is written
     * @param compressor      for {@code -c}, else null
     * @param bufferSize      the longest data request
     */
    ChunkProcessor(ConvertSources sources, long sparseSize, boolean targetReadsZero, CompressedWrites compressor,
                   int bufferSize) {
        this.sources = sources;
        this.asIs = sparseSize < 0;
        this.sparseSectors = asIs ? 0 : sparseSize / ZeroScan.SECTOR;
        // Zero runs end aligned to the sparse size (a power of two at most), as qemu-img aligns them.
        this.alignmentSectors = sparseSectors == 0 ? 1 : Integer.highestOneBit((int) sparseSectors);
        this.targetReadsZero = targetReadsZero;
        this.compressor = compressor;
        this.probe = compressor != null && compressor.slowOnIncompressible() && !Boolean.getBoolean(
                "platter.convert.noprobe") ? new CompressibilityProbe(compressor.clusterSize()) : null;
        this.zeros = ByteBuffer.allocateDirect(Math.max(bufferSize, compressor == null ? 0
                : compressor.clusterSize())).asReadOnlyBuffer();
    }

    /** Buffer bytes the request needs: its length for data (padded to whole clusters with compression), else 0. */
    int bufferBytes(Chunk c) {
        if (c.kind() != Chunk.Kind.DATA) {
            return 0;
        }
        if (compressor == null) {
            return (int) c.len();
        }
        int cs = compressor.clusterSize();
        return (int) ((c.len() + cs - 1) / cs * cs);
    }

    /** True when the request can produce no write at all. */
    boolean isNoOp(Chunk c) {
        return c.kind() == Chunk.Kind.BACKING
                || (c.kind() == Chunk.Kind.ZERO && (sparseSectors > 0 || asIs) && targetReadsZero);
    }

    /**
     * The writes for {@code c}. For DATA, {@code buf} ({@link #bufferBytes} long) receives the source bytes and the
     * returned writes may refer to it; otherwise it is null.
     */
    List<WriteOp> process(Chunk c, ByteBuffer buf) throws IOException {
        List<WriteOp> ops = new ArrayList<>();
        switch (c.kind()) {
            case BACKING -> {
            }
            case ZERO -> zeroRange(c.pos(), c.len(), ops);
            case DATA -> {
                int len = (int) c.len();
                buf.clear().limit(len);
                sources.read(c.pos(), buf, c.run());
                buf.flip();
                if (compressor != null) {
                    compressData(c.pos(), buf, len, ops);
                } else if (sparseSectors == 0) {
                    // -S 0 or as-is: the data goes out whole.
                    ops.add(new WriteOp.Data(c.pos(), buf.slice(0, len)));
                } else {
                    sparseData(c.pos(), buf, len, ops);
                }
            }
            default -> throw new IllegalStateException(c.kind().toString());
        }
        return ops;
    }

    private void zeroRange(long pos, long len, List<WriteOp> ops) throws IOException {
        if (sparseSectors > 0 || asIs) {
            if (!targetReadsZero) {
                ops.add(new WriteOp.Zeroes(pos, len));
            }
            return;
        }
        // -S 0: the target is to be fully allocated, zeros included.
        if (compressor != null) {
            int cs = compressor.clusterSize();
            for (long off = 0; off < len; off += cs) {
                int n = (int) Math.min(cs, len - off);
                addCompressed(pos + off, zeros.slice(0, cs), n, true, ops);
            }
            return;
        }
        for (long off = 0; off < len; off += zeros.capacity()) {
            int n = (int) Math.min(zeros.capacity(), len - off);
            ops.add(new WriteOp.Data(pos + off, zeros.slice(0, n)));
        }
    }

    private void sparseData(long pos, ByteBuffer buf, int len, List<WriteOp> ops) {
        int sectors = (len + ZeroScan.SECTOR - 1) / ZeroScan.SECTOR;
        long sector = pos / ZeroScan.SECTOR;
        int done = 0;
        while (done < sectors) {
            int base = done * ZeroScan.SECTOR;
            int r = ZeroScan.runMin(buf, base, sectors - done, len - base, sector + done, (int) sparseSectors,
                    alignmentSectors);
            int n = Math.abs(r);
            int bytes = Math.min(n * ZeroScan.SECTOR, len - base);
            if (r > 0) {
                ops.add(new WriteOp.Data(pos + base, buf.slice(base, bytes)));
            } else if (!targetReadsZero) {
                ops.add(new WriteOp.Zeroes(pos + base, bytes));
            }
            done += n;
        }
    }

    private void compressData(long pos, ByteBuffer buf, int len, List<WriteOp> ops) throws IOException {
        if (sparseSectors > 0 && ZeroScan.isZero(buf, 0, len)) {
            zeroRange(pos, len, ops);
            return;
        }
        int cs = compressor.clusterSize();
        for (int off = 0; off < len; off += cs) {
            int n = Math.min(cs, len - off);
            if (sparseSectors > 0 && ZeroScan.isZero(buf, off, n)) {
                // qemu would store a compressed all-zero cluster here; nothing at all is smaller.
                zeroRange(pos + off, n, ops);
                continue;
            }
            ByteBuffer cluster;
            if (n < cs) {
                // The image's last, short cluster: compressed as a whole cluster padded with zeros.
                buf.limit(Math.max(buf.limit(), off + cs));
                for (int i = off + n; i < off + cs; i++) {
                    buf.put(i, (byte) 0);
                }
            }
            cluster = buf.slice(off, cs);
            addCompressed(pos + off, cluster, n, false, ops);
        }
    }

    private void addCompressed(long pos, ByteBuffer cluster, int validBytes, boolean zero, List<WriteOp> ops)
            throws IOException {
        ByteBuffer packed;
        if (zero) {
            ByteBuffer z = compressedZeroCluster;
            if (z == null) {
                z = compressor.compress(cluster.duplicate());
                compressedZeroCluster = z;
            }
            packed = z == null ? null : z.asReadOnlyBuffer();
        } else {
            packed = probe != null && probe.incompressible(cluster, 0, cluster.remaining()) ? null
                    : compressor.compress(cluster.duplicate());
        }
        if (packed != null) {
            ops.add(new WriteOp.Compressed(pos, packed));
        } else {
            ops.add(new WriteOp.Data(pos, cluster.slice(0, validBytes)));
        }
    }
}
