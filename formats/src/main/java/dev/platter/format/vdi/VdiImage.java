package dev.platter.format.vdi;

import dev.platter.core.Bounds;
import dev.platter.core.CorruptImageException;
import dev.platter.core.Extent;
import dev.platter.core.ReadOnlyDeviceException;
import dev.platter.core.UnsupportedFeatureException;
import dev.platter.core.image.Image;
import dev.platter.core.image.ImageCheck;
import dev.platter.core.image.ImageInfo;
import dev.platter.core.image.MappedReader;
import dev.platter.core.image.OpenOptions;
import dev.platter.core.image.capability.FlushBarriers;
import dev.platter.core.image.capability.PreallocatedMetadata;
import dev.platter.core.storage.Storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;

/**
 * An open VDI image (dynamic or static, 1 MiB blocks, no parent: what qemu 7.2 reads and writes).
 *
 * <p>Writes: a block allocated on first write is appended to the data area whole (zeros where the write does not
 * reach), as qemu does. The map entry and the header's allocated count wait in memory and are written back at a
 * flush (or when many map sectors have changed), in an order that keeps every crash state safe to use: the new
 * blocks first, then the header's count, then the map. A crash between the last two leaves a count above the
 * entries (qemu-img check reports the mismatch) and blocks nobody points at, never an index that qemu or Platter
 * would hand out twice. qemu writes the same three in the same order after every request but without flushes, so
 * a disk may keep an entry without its block, or without the count that keeps its index taken.
 *
 * <p>Thread-safe: reads run concurrently with each other; writes, flushes and closing take one lock. A block's
 * data is written before its entry changes in memory, so a concurrent read sees either zeros or the new data.
 */
public final class VdiImage implements Image, FlushBarriers, PreallocatedMetadata {
    private static final long BLOCK = VdiHeader.BLOCK_SIZE;
    /** At most this many new blocks (32 GiB) wait for their map entries to be written. */
    private static final int MAX_PENDING_BLOCKS = 32768;
    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect((int) BLOCK).asReadOnlyBuffer();

    private final Storage storage;
    private final VdiHeader header;
    private final BlockMap map;
    private final boolean readOnly;
    private final VdiMapper mapper;
    private final MappedReader reader;
    private final Object writeLock = new Object();
    private volatile long fileEnd;
    private volatile boolean closed;
    /** The data-area index the next new block takes (what the header's count will say). */
    private long nextIndex;
    /** The count the header holds on disk. */
    private long countOnDisk;
    private boolean barriers = true;
    private int pendingBlocks;

    private VdiImage(Storage storage, VdiHeader header, BlockMap map, boolean readOnly) throws IOException {
        this.storage = storage;
        this.header = header;
        this.map = map;
        this.readOnly = readOnly;
        this.fileEnd = storage.size();
        this.countOnDisk = header.blocksAllocated;
        // Never below an index in use, whatever the header says (a crash in qemu can leave it behind).
        this.nextIndex = readOnly ? header.blocksAllocated : Math.max(header.blocksAllocated, map.highestIndex() + 1);
        this.mapper = new VdiMapper(storage, header, map, () -> fileEnd);
        this.reader = new MappedReader(mapper, () -> header.diskSize, () -> null);
    }

    /** Opens the VDI image on {@code storage}; the image owns the storage from then on. */
    static VdiImage open(Storage storage, OpenOptions options) throws IOException {
        VdiHeader header = VdiHeader.read(storage);
        BlockMap map = BlockMap.read(storage, header);
        if (!options.readOnly() && (header.offsetBmap < VdiHeader.SIZE
                || header.offsetData < header.offsetBmap + header.blocksInImage * 4)) {
            // qemu reads such a file; writing it would put map entries or blocks over the header or the map
            throw new CorruptImageException("vdi header of '" + storage.name() + "'", VdiHeader.OFF_BMAP,
                    "the block map (at " + header.offsetBmap + ", " + header.blocksInImage + " entries) and the data "
                            + "area (at " + header.offsetData + ") overlap each other or the header; not writable");
        }
        return new VdiImage(storage, header, map, options.readOnly());
    }

    @Override
    public String formatName() {
        return VdiFormat.NAME;
    }

    @Override
    public Storage storage() {
        return storage;
    }

    @Override
    public long size() {
        return header.diskSize;
    }

    /** Whether this is a static (fixed, preallocated) image. */
    public boolean isStatic() {
        return header.isStatic();
    }

    @Override
    public String describe() {
        return storage.name();
    }

    @Override
    public <T> Optional<T> capability(Class<T> type) {
        if ((type == FlushBarriers.class && !readOnly) || (type == PreallocatedMetadata.class && header.isStatic())) {
            return Optional.of(type.cast(this));
        }
        return Optional.empty();
    }

    /** A static image's blocks are allocated whether written or not: qemu asks the file about holes there. */
    @Override
    public boolean metadataPreallocated() {
        return header.isStatic();
    }

    // ------------------------------------------------------------------------------------------- reads

    @Override
    public void read(long pos, ByteBuffer dst) throws IOException {
        if (pos < 0 || pos > size() - dst.remaining()) {
            Bounds.check(pos, dst.remaining(), size(), describe());
        }
        ensureOpen();
        reader.read(pos, dst);
    }

    @Override
    public Extent mapping(long pos, long maxLen) throws IOException {
        if (pos < 0 || maxLen <= 0 || pos >= size()) {
            Bounds.checkMapping(pos, maxLen, size(), describe());
        }
        ensureOpen();
        return reader.mapping(pos, maxLen);
    }

    // ------------------------------------------------------------------------------------------ writes

    @Override
    public boolean isReadOnly() {
        return readOnly;
    }

    @Override
    public void write(long pos, ByteBuffer src) throws IOException {
        writeCheck(pos, src.remaining());
        synchronized (writeLock) {
            ensureOpen();
            ByteBuffer rest = src.duplicate();
            long at = pos;
            while (rest.hasRemaining()) {
                int n = (int) Math.min(rest.remaining(), BLOCK - at % BLOCK);
                writeInBlock(at, rest.slice(rest.position(), n));
                rest.position(rest.position() + n);
                at += n;
            }
            src.position(src.limit());
        }
    }

    /** Writes {@code piece} at {@code pos}, inside one block: in place, or into a new block appended whole. */
    private void writeInBlock(long pos, ByteBuffer piece) throws IOException {
        long block = pos / BLOCK;
        long within = pos % BLOCK;
        long entry = map.entry(block);
        if (BlockMap.allocated(entry)) {
            storage.write(dataOffset(block, entry) + within, piece);
            return;
        }
        long index = nextIndex;
        if (index >= header.blocksInImage) {
            throw new IOException(storage.name() + ": no room for block " + block + " (the data area holds "
                    + header.blocksInImage + " blocks and " + index + " are taken)");
        }
        long at = header.offsetData + index * BLOCK;
        ByteBuffer whole = piece.remaining() == BLOCK ? piece : ByteBuffer.allocate((int) BLOCK)
                .put((int) within, piece, piece.position(), piece.remaining());
        storage.write(at, whole.duplicate());
        nextIndex = index + 1;
        fileEnd = Math.max(fileEnd, at + BLOCK);
        map.set(block, index);
        if (++pendingBlocks >= MAX_PENDING_BLOCKS) {
            writeBack(barriers);
        }
    }

    private long dataOffset(long block, long entry) throws IOException {
        return mapper.dataOffset(block, entry);
    }

    /** Zeros in allocated blocks; blocks never allocated read as zeros already. */
    @Override
    public void writeZeroes(long pos, long len) throws IOException {
        writeCheck(pos, len);
        synchronized (writeLock) {
            ensureOpen();
            for (long at = pos, end = pos + len; at < end; ) {
                long n = Math.min(end - at, BLOCK - at % BLOCK);
                long entry = map.entry(at / BLOCK);
                if (BlockMap.allocated(entry)) {
                    storage.write(dataOffset(at / BLOCK, entry) + at % BLOCK, ZEROS.duplicate().limit((int) n));
                }
                at += n;
            }
        }
    }

    /**
     * The range reads as zeros again. qemu's vdi driver ignores discards; a VDI cannot give a block back (the data
     * area has no holes), so Platter writes zeros over the allocated part.
     */
    @Override
    public void discard(long pos, long len) throws IOException {
        writeZeroes(pos, len);
    }

    @Override
    public void flush() throws IOException {
        if (readOnly) {
            return;
        }
        synchronized (writeLock) {
            ensureOpen();
            writeBack(barriers);
            if (barriers) {
                storage.flush();
            }
        }
    }

    /**
     * Puts the allocation state on disk: new blocks (flushed), then the header's count, then the changed map
     * sectors, each step flushed when {@code barrier}.
     */
    private void writeBack(boolean barrier) throws IOException {
        pendingBlocks = 0;
        if (!map.dirty() && nextIndex == countOnDisk) {
            return;
        }
        if (barrier) {
            storage.flush();
        }
        if (nextIndex != countOnDisk) {
            storage.write(0, header.withAllocated(nextIndex));
            countOnDisk = nextIndex;
            if (barrier) {
                storage.flush();
            }
        }
        map.writeBack(storage);
    }

    @Override
    public void setFlushBarriers(boolean on) {
        synchronized (writeLock) {
            barriers = on;
        }
    }

    private void writeCheck(long pos, long len) throws IOException {
        if (readOnly) {
            throw new ReadOnlyDeviceException(describe());
        }
        if (pos < 0 || len < 0 || pos > size() - len) {
            Bounds.check(pos, len, size(), describe());
        }
    }

    private void ensureOpen() throws IOException {
        if (closed) {
            throw new IOException(storage.name() + " is closed");
        }
    }

    @Override
    public void close() throws IOException {
        synchronized (writeLock) {
            if (closed) {
                return;
            }
            IOException failure = null;
            if (!readOnly) {
                try {
                    writeBack(true);
                    storage.flush();
                } catch (IOException e) {
                    failure = e;
                }
            }
            closed = true;
            try {
                storage.close();
            } catch (IOException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
            if (failure != null) {
                throw failure;
            }
        }
    }

    // ----------------------------------------------------------------------------------- info and check

    /** qemu's: the block size as the cluster size, no format-specific part, never dirty. */
    @Override
    public ImageInfo info() throws IOException {
        long allocated = storage.allocatedBytes();
        return new ImageInfo(storage.name(), VdiFormat.NAME, size(), BLOCK, allocated < 0 ? null : allocated, false,
                null, null, null, List.of(), null, null, false);
    }

    @Override
    public ImageCheck check(ImageCheck.Repair repair) throws IOException {
        if (repair != ImageCheck.Repair.NONE) {
            throw new UnsupportedFeatureException("vdi repair", "This image format does not support checks");
        }
        ensureOpen();
        synchronized (writeLock) {
            return VdiChecker.check(storage.name(), header, nextIndex, map);
        }
    }
}
