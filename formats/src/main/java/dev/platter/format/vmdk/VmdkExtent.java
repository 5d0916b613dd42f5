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

    // ------------------------------------------------------------------------------------------ writes
    // Called under the image's write lock, with offsets relative to the extent.

    /** What a new grain holds where a write does not cover it: the parent disk's bytes, or zeros. */
    @FunctionalInterface
    interface GrainFill {
        /** Fills {@code dst} with what the disk below reads at extent offset {@code offset}. */
        void read(long offset, ByteBuffer dst) throws IOException;
    }

    /** Whether the extent was opened for writing. */
    boolean writable() {
        return false;
    }

    /** Writes are handed over split at multiples of this many bytes (a grain; a flat extent: all of it). */
    long writeUnit() {
        return length();
    }

    /** Data writes are handed over split at multiples of this many bytes ({@link #writeUnit} unless it batches). */
    long writeSpan() {
        return writeUnit();
    }

    /** Writes {@code src} at {@code offset}, inside one {@link #writeSpan}. */
    void write(long offset, ByteBuffer src, GrainFill fill) throws IOException {
        throw new IllegalStateException("extent not writable");
    }

    /**
     * Makes {@code len} bytes at {@code offset} (inside one write unit) read as zeros.
     *
     * @param parentBelow a parent disk shows through where this extent has nothing
     */
    void writeZeroes(long offset, long len, boolean parentBelow, GrainFill fill) throws IOException {
        write(offset, ByteBuffer.allocate((int) len), fill);
    }

    /**
     * Makes {@code len} bytes at {@code offset} (inside one write unit) read as the disk below reads them (the
     * parent, or zeros), freeing nothing in the file. Default: written over with what lies below.
     */
    void discard(long offset, long len, boolean parentBelow, GrainFill fill) throws IOException {
        ByteBuffer below = ByteBuffer.allocate((int) len);
        fill.read(offset, below);
        write(offset, below.clear(), fill);
    }

    /** The stored form of one grain compressed, or null when it would not shrink (compressed extents only). */
    ByteBuffer compressGrain(ByteBuffer grain) throws IOException {
        throw new IllegalStateException("not a compressed extent");
    }

    /** Stores a record from {@link #compressGrain} at the grain at {@code offset}. */
    void writeCompressed(long offset, ByteBuffer record) throws IOException {
        throw new IllegalStateException("not a compressed extent");
    }

    void setCompressionLevel(int level) {
    }

    /** Puts metadata changed in memory back into the file; with {@code barrier}, data first, then metadata. */
    void writeBack(boolean barrier) throws IOException {
    }

    /** Whether {@link #writeBack} runs on its own (a full table cache) with the data-before-metadata flush. */
    void setBarriers(boolean on) {
    }
}
