package dev.platter.format.vmdk;

import dev.platter.core.image.MappedRun;
import dev.platter.core.storage.Storage;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * One extent of a VMDK disk: a window of the virtual disk whose bytes live in one file, raw ({@link FlatExtent}) or
 * behind a grain directory ({@link SparseExtent}). Offsets are relative to the extent's start.
 */
abstract class VmdkExtent {
    final Storage storage;
    /** The extent's type as the descriptor names it, "" for the sparse file opened as the image itself. */
    final String type;
    final long sectors;

    VmdkExtent(Storage storage, String type, long sectors) {
        this.storage = storage;
        this.type = type;
        this.sectors = sectors;
    }

    /** Bytes of the virtual disk this extent covers. */
    final long length() {
        return sectors * 512;
    }

    abstract boolean flat();

    abstract boolean compressed();

    /** qemu's cluster size of the extent: the grain, or the whole extent for a flat one. */
    abstract long clusterBytes();

    /**
     * The run at {@code offset} of the extent, at most {@code maxLen} bytes (and not past the extent).
     *
     * @param forRead whether the answer serves a read (qemu reads a grain it cannot look up as unallocated) or the
     *                allocation map (where qemu fails)
     */
    abstract MappedRun map(long offset, long maxLen, boolean forRead) throws IOException;

    /** Reads a COMPRESSED run this extent answered; {@code offset} is relative to the extent. */
    void readCompressed(MappedRun run, long offset, ByteBuffer dst) throws IOException {
        throw new IllegalStateException("not a compressed extent");
    }

    /**
     * The host offset qemu's check looks at for the grain at {@code offset}: the grain's (or flat extent's) byte
     * offset in the file, -1 unallocated or zero.
     *
     * @throws IOException when the grain cannot be looked up (qemu: "could not get cluster_offset")
     */
    abstract long checkOffset(long offset) throws IOException;
}
