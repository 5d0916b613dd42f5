package dev.platter.operation;

import dev.platter.core.Extent;
import dev.platter.core.image.Image;

import java.io.IOException;

/**
 * Cuts the source into requests the way qemu-img convert does (its convert_iteration_sectors), so that the
 * target ends up allocated exactly as qemu-img would allocate it: one status run of the source's allocation map at
 * a time (trimmed to the source's cluster alignment), data requests at most one buffer long, and with compression
 * whole target clusters only. Unallocated and zero runs are never read.
 */
final class ChunkPlanner {
    /** qemu's BDRV_REQUEST_MAX_SECTORS: the longest single request. */
    static final long MAX_REQUEST = ((long) Integer.MAX_VALUE >> 9) << 9;

    private final ConvertSources sources;
    private final long total;
    private final long bufferSize;
    /** Cluster size of a compressed target, or 0. */
    private final long compressCluster;
    /** Copy everything, whatever layer holds it. */
    static final int ALL_LAYERS = Integer.MAX_VALUE;

    /**
     * How many layers of the source's chain are copied, from the top: with a target backing file only the top
     * (1), for commit the layers above the base; the rest is left to the target's backing file.
     */
    private final int copiedLayers;
    /** Size of the target's backing file, or -1: past it, zero runs need not be written. */
    private final long targetBackingSize;

    private long pos;
    private long nextStatus;
    private Chunk.Kind status;
    private Extent statusRun;

    ChunkPlanner(ConvertSources sources, long bufferSize, long compressCluster, int copiedLayers,
                 long targetBackingSize) {
        this.sources = sources;
        this.total = sources.size();
        this.bufferSize = bufferSize;
        this.compressCluster = compressCluster;
        this.copiedLayers = copiedLayers;
        this.targetBackingSize = targetBackingSize;
    }

    /** The next request, or null at the end. */
    Chunk next() throws IOException {
        if (pos >= total) {
            return null;
        }
        long n = Math.min(total - pos, MAX_REQUEST);
        boolean postBackingZero = false;
        if (targetBackingSize >= 0) {
            if (pos >= targetBackingSize) {
                postBackingZero = true;
            } else if (pos + n > targetBackingSize) {
                // Split at the backing file's end: past it, zeros are handled differently.
                n = targetBackingSize - pos;
            }
        }
        if (nextStatus <= pos) {
            queryStatus(n, postBackingZero);
        }
        n = Math.min(n, nextStatus - pos);
        if (status == Chunk.Kind.DATA) {
            n = Math.min(n, bufferSize);
        }
        if (compressCluster > 0) {
            // Compressed clusters are written whole: a short run is taken as data, with its neighbours.
            if (n < compressCluster) {
                n = Math.min(compressCluster, total - pos);
                status = Chunk.Kind.DATA;
            } else {
                n -= n % compressCluster;
            }
        }
        Extent run = null;
        if (status == Chunk.Kind.DATA && statusRun != null) {
            int index = sources.indexAt(pos);
            long local = pos - sources.start(index);
            if (local >= statusRun.start() && local + n <= statusRun.end() && pos + n <= sources.end(index)) {
                run = statusRun;
            }
        }
        Chunk chunk = new Chunk(pos, n, status, run);
        pos += n;
        return chunk;
    }

    private void queryStatus(long n, boolean postBackingZero) throws IOException {
        int index = sources.indexAt(pos);
        Image image = sources.image(index);
        long local = pos - sources.start(index);
        long max = Math.min(n, sources.end(index) - pos);
        HostStatus st = HostStatus.at(image, local, max);
        Extent e = st.extent();
        long count = Math.min(e.end(), local + max) - local;
        // Keep the next status query aligned to the source's clusters, to avoid reading clusters twice.
        long align = sources.alignment(index);
        long tail = (local + count) % align;
        if (count > tail) {
            count -= tail;
        }
        Chunk.Kind kind = kindOf(image, e, local);
        if (kind == Chunk.Kind.DATA && st.zero()) {
            // Data over a hole of the host file reads as zeros: qemu treats it as a zero run and so do we.
            kind = Chunk.Kind.ZERO;
        }
        if (kind == Chunk.Kind.ZERO && postBackingZero) {
            kind = Chunk.Kind.BACKING;
        }
        status = kind;
        statusRun = kind == Chunk.Kind.DATA ? e : null;
        nextStatus = pos + count;
    }

    /** What a run of the source's map means for the target (qemu's block status, with or without a base). */
    private Chunk.Kind kindOf(Image image, Extent e, long local) {
        if (copiedLayers == ALL_LAYERS || image.backing() == null) {
            return e.status() == Extent.Status.DATA ? Chunk.Kind.DATA : Chunk.Kind.ZERO;
        }
        // Only the upper layers are copied; everything below is the target's backing file's business.
        if (e.depth() < copiedLayers && e.status() != Extent.Status.UNALLOCATED) {
            return e.status() == Extent.Status.DATA ? Chunk.Kind.DATA : Chunk.Kind.ZERO;
        }
        Image first = image;
        for (int d = 0; d < copiedLayers && first != null; d++) {
            first = first.backing();
        }
        if (first == null || local >= first.size()) {
            // Unallocated above a layer that ends before this run: zeros, not backing content.
            return Chunk.Kind.ZERO;
        }
        return Chunk.Kind.BACKING;
    }
}
