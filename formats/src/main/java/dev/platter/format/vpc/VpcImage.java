package dev.platter.format.vpc;

import dev.platter.core.Bounds;
import dev.platter.core.CorruptImageException;
import dev.platter.core.Extent;
import dev.platter.core.ReadOnlyDeviceException;
import dev.platter.core.UnsupportedFeatureException;
import dev.platter.core.image.Image;
import dev.platter.core.image.ImageInfo;
import dev.platter.core.image.Images;
import dev.platter.core.image.MappedReader;
import dev.platter.core.image.MappedRun;
import dev.platter.core.image.OpenOptions;
import dev.platter.core.image.ReferenceKind;
import dev.platter.core.image.ReferenceResolver;
import dev.platter.core.image.capability.AzureUpload;
import dev.platter.core.image.capability.PreallocatedMetadata;
import dev.platter.core.storage.Storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Optional;

/**
 * An open VHD. Fixed disks are the file up to the footer. Dynamic and differencing disks map through the block
 * allocation table; a differencing disk's parent (found through its locators, opened through the reference gate as
 * a vpc image) answers what its sector bitmaps leave out.
 *
 * <p>Writes go as qemu's in layout (a new block at the old end of the file, its bitmap all ones, the footer moved
 * after it) but in a crash-safe order: a block's data and bitmap are written when it is allocated, its table entry
 * waits in memory until a flush, which first flushes the data, then writes the entries, then the footer at the new
 * end. A crash leaves at most blocks nobody points at, which the next allocation overwrites.
 *
 * <p>Thread-safe: reads run concurrently; writes, flushes and closing take one lock.
 */
public final class VpcImage implements Image, PreallocatedMetadata, AzureUpload {
    private static final int FILL_CHUNK = 1 << 20;

    private final Storage storage;
    private final VpcLayout layout;
    private final Image backing;
    private final boolean readOnly;
    private final BlockTable table;
    private final VpcMapper mapper;
    private final MappedReader reads;
    private final Object writeLock = new Object();
    private long freeOffset;
    private volatile boolean closed;

    private VpcImage(Storage storage, VpcLayout layout, Image backing, boolean readOnly) {
        this.storage = storage;
        this.layout = layout;
        this.backing = backing;
        this.readOnly = readOnly;
        this.table = layout.bat() == null ? null : new BlockTable(layout.bat(), layout.bitmapSize());
        this.mapper = new VpcMapper(storage, layout, table);
        this.reads = new MappedReader(mapper, layout::size, this::backing);
        this.freeOffset = layout.freeOffset();
    }

    /** Opens the VHD on {@code storage}; the image owns the storage from then on (not when opening fails). */
    static VpcImage open(Storage storage, OpenOptions options) throws IOException {
        Image backing = null;
        try {
            VpcLayout layout = VpcOpener.open(storage);
            if (layout.parent() != null) {
                Path referrer = storage.path() != null ? storage.path() : Path.of(storage.name());
                if (options.isUntrusted()) {
                    options.resolver().resolve(referrer, layout.parent(), ReferenceKind.BACKING_FILE); // refuses
                }
                if (options.openBacking()) {
                    try {
                        backing = Images.openBacking(referrer, layout.parent(), VpcFormat.NAME, options);
                    } catch (CorruptImageException | UnsupportedFeatureException e) {
                        throw e;
                    } catch (IOException e) {
                        throw new IOException("Could not open backing file: " + e.getMessage(), e);
                    }
                    checkParent(storage, layout, backing);
                }
            }
            return new VpcImage(storage, layout, backing, options.readOnly());
        } catch (IOException | RuntimeException e) {
            try {
                if (backing != null) {
                    backing.close(); // the storage is closed by whoever opened it (Images.open)
                }
            } catch (IOException closing) {
                e.addSuppressed(closing);
            }
            throw e;
        }
    }

    /** The parent must be the disk this one was made against: a VHD with the unique id the header names. */
    private static void checkParent(Storage storage, VpcLayout layout, Image parent) throws IOException {
        if (!(parent instanceof VpcImage p)) {
            throw new IOException(storage.name() + ": the parent '" + layout.parent() + "' is not a VHD");
        }
        if (!p.layout.footer().uniqueId().equals(layout.header().parentId())) {
            throw new IOException(storage.name() + ": the parent '" + layout.parent() + "' has the unique id "
                    + p.layout.footer().uniqueId() + ", not " + layout.header().parentId() + " as this "
                    + "differencing disk expects (the parent changed or is another disk)");
        }
    }

    // ------------------------------------------------------------------------------------------ basics

    @Override
    public String formatName() {
        return VpcFormat.NAME;
    }

    @Override
    public Storage storage() {
        return storage;
    }

    @Override
    public Image backing() {
        return backing;
    }

    @Override
    public long size() {
        return layout.size();
    }

    @Override
    public boolean isReadOnly() {
        return readOnly;
    }

    /** fixed, dynamic or differencing. */
    public String subformat() {
        return layout.type().qemuName;
    }

    /** The footer's 4-byte creator application ("qemu", "win "), as stored. */
    public String creatorApp() {
        return layout.footer().creatorAppText();
    }

    @Override
    public String describe() {
        return layout.parent() == null ? storage.name() : storage.name() + " [parent=" + layout.parent() + "]";
    }

    @Override
    public <T> Optional<T> capability(Class<T> type) {
        if (type == PreallocatedMetadata.class || type == AzureUpload.class) {
            return Optional.of(type.cast(this));
        }
        return Optional.empty();
    }

    /** A fixed disk is the file: its holes are asked about, as qemu asks (BDRV_BLOCK_RECURSE). */
    @Override
    public boolean metadataPreallocated() {
        return layout.type() == VhdDiskType.FIXED;
    }

    // ------------------------------------------------------------------------------------------- reads

    @Override
    public void read(long pos, ByteBuffer dst) throws IOException {
        long size = layout.size();
        if (pos < 0 || pos > size - dst.remaining()) {
            Bounds.check(pos, dst.remaining(), size, describe());
        }
        ensureOpen();
        if (layout.type() == VhdDiskType.FIXED) {
            readFixed(pos, dst);
            return;
        }
        reads.read(pos, dst);
    }

    /** qemu reads a fixed disk's file as it is: past its end, zeros. */
    private void readFixed(long pos, ByteBuffer dst) throws IOException {
        long fileSize = storage.size();
        int n = (int) Math.max(0, Math.min(dst.remaining(), fileSize - pos));
        if (n > 0) {
            storage.readFully(pos, dst.slice(dst.position(), n));
            dst.position(dst.position() + n);
        }
        MappedReader.fillZero(dst);
    }

    @Override
    public Extent mapping(long pos, long maxLen) throws IOException {
        long size = layout.size();
        if (pos < 0 || maxLen <= 0 || pos >= size) {
            Bounds.checkMapping(pos, maxLen, size, describe());
        }
        ensureOpen();
        return reads.mapping(pos, maxLen);
    }

    // ------------------------------------------------------------------------------------------ writes

    @Override
    public void write(long pos, ByteBuffer src) throws IOException {
        writeCheck(pos, src.remaining());
        synchronized (writeLock) {
            ensureOpen();
            if (layout.type() == VhdDiskType.FIXED) {
                storage.write(pos, src.duplicate());
            } else {
                ByteBuffer rest = src.duplicate();
                long at = pos;
                while (rest.hasRemaining()) {
                    long inBlock = at % layout.blockSize();
                    int n = (int) Math.min(rest.remaining(), layout.blockSize() - inBlock);
                    writeInBlock((int) (at / layout.blockSize()), inBlock, rest.slice(rest.position(), n), n);
                    rest.position(rest.position() + n);
                    at += n;
                }
            }
            src.position(src.limit());
        }
    }

    /**
     * Zeros over the range. Blocks of a dynamic disk that the table does not have read as zeros already; the rest
     * is written. qemu's vpc driver has no zero writes either: its generic fallback writes zeros too.
     */
    @Override
    public void writeZeroes(long pos, long len) throws IOException {
        writeCheck(pos, len);
        synchronized (writeLock) {
            ensureOpen();
            for (long at = pos, end = pos + len; at < end; ) {
                long n;
                if (layout.type() == VhdDiskType.FIXED) {
                    n = Math.min(end - at, FILL_CHUNK);
                    storage.write(at, ByteBuffer.allocate((int) n));
                } else {
                    long inBlock = at % layout.blockSize();
                    n = Math.min(end - at, layout.blockSize() - inBlock);
                    writeInBlock((int) (at / layout.blockSize()), inBlock, null, n);
                }
                at += n;
            }
        }
    }

    /**
     * The range reads as the parent (or zeros) again: qemu's vpc driver ignores discards; Platter writes what lies
     * below over the range. Nothing is freed in the file.
     */
    @Override
    public void discard(long pos, long len) throws IOException {
        writeCheck(pos, len);
        if (layout.type() != VhdDiskType.DIFFERENCING) {
            writeZeroes(pos, len);
            return;
        }
        synchronized (writeLock) {
            ensureOpen();
            for (long at = pos, end = pos + len; at < end; ) {
                long inBlock = at % layout.blockSize();
                long n = Math.min(end - at, layout.blockSize() - inBlock);
                int block = (int) (at / layout.blockSize());
                if (table.dataOffset(block) >= 0) {
                    for (long done = 0; done < n; ) {
                        int m = (int) Math.min(n - done, FILL_CHUNK);
                        ByteBuffer below = ByteBuffer.allocate(m);
                        readParent(at + done, below);
                        writeInBlock(block, inBlock + done, below.flip(), m);
                        done += m;
                    }
                }
                at += n;
            }
        }
    }

    /** Writes {@code data} (null: zeros) of {@code len} bytes at {@code inBlock} of block {@code block}. */
    private void writeInBlock(int block, long inBlock, ByteBuffer data, long len) throws IOException {
        long host = table.dataOffset(block);
        boolean differencing = layout.type() == VhdDiskType.DIFFERENCING;
        if (host < 0) {
            if (data == null && !differencing) {
                return; // reads as zeros already
            }
            allocate(block, inBlock, data, len);
            return;
        }
        if (differencing && !mapper.wholeBlockPresent(block)) {
            completeFromParent(block, host);
        }
        writeAt(host + inBlock, data, len);
    }

    private void writeAt(long at, ByteBuffer data, long len) throws IOException {
        if (data != null) {
            storage.write(at, data.duplicate());
            return;
        }
        for (long done = 0; done < len; ) {
            int m = (int) Math.min(len - done, FILL_CHUNK);
            storage.write(at + done, ByteBuffer.allocate(m));
            done += m;
        }
    }

    /**
     * A new block at the end of the file: its data (filled from the parent for a differencing disk; holes, reading
     * as zeros, otherwise), then its bitmap, all ones as qemu writes it. The table entry waits for the next flush.
     */
    private void allocate(int block, long inBlock, ByteBuffer data, long len) throws IOException {
        long at = freeOffset;
        long blockSize = layout.blockSize();
        long bitmapSize = layout.bitmapSize();
        if (storage.size() > at) {
            storage.setSize(at); // the old footer copy, or blocks a crash left unreferenced
        }
        long dataAt = at + bitmapSize;
        if (layout.type() == VhdDiskType.DIFFERENCING) {
            long blockStart = (long) block * blockSize;
            for (long done = 0; done < blockSize; ) {
                int m = (int) Math.min(blockSize - done, FILL_CHUNK);
                ByteBuffer chunk = ByteBuffer.allocate(m);
                readParent(blockStart + done, chunk);
                long from = Math.max(done, inBlock);
                long to = Math.min(done + m, inBlock + len);
                if (from < to) {
                    if (data != null) {
                        chunk.put((int) (from - done), data, (int) (from - inBlock), (int) (to - from));
                    } else {
                        Arrays.fill(chunk.array(), (int) (from - done), (int) (to - done), (byte) 0);
                    }
                }
                storage.write(dataAt + done, chunk.clear());
                done += m;
            }
        } else if (data != null) {
            storage.write(dataAt + inBlock, data.duplicate());
        }
        byte[] ones = new byte[(int) bitmapSize];
        Arrays.fill(ones, (byte) 0xff);
        storage.write(at, ByteBuffer.wrap(ones));
        table.allocate(block, at);
        mapper.bitmapFilled(block);
        freeOffset = at + bitmapSize + blockSize;
    }

    /**
     * A block of a differencing disk some of whose sectors are the parent's: those are copied in from the parent,
     * flushed, and only then the bitmap says the block is whole.
     */
    private void completeFromParent(int block, long host) throws IOException {
        long blockStart = (long) block * layout.blockSize();
        for (long pos = 0; pos < layout.blockSize(); ) {
            MappedRun run = mapper.map(blockStart + pos, layout.blockSize() - pos);
            long n = run.length();
            if (run.kind() == MappedRun.Kind.UNALLOCATED) {
                for (long done = 0; done < n; ) {
                    int m = (int) Math.min(n - done, FILL_CHUNK);
                    ByteBuffer below = ByteBuffer.allocate(m);
                    readParent(blockStart + pos + done, below);
                    storage.write(host + pos + done, below.flip());
                    done += m;
                }
            }
            pos += n;
        }
        storage.flush();
        byte[] ones = new byte[(int) layout.bitmapSize()];
        Arrays.fill(ones, (byte) 0xff);
        storage.write(host - layout.bitmapSize(), ByteBuffer.wrap(ones));
        mapper.bitmapFilled(block);
    }

    /** The parent's bytes at {@code pos} (zeros past its end, or without one). */
    private void readParent(long pos, ByteBuffer dst) throws IOException {
        reads.readBacking(pos, dst);
        dst.position(dst.limit());
    }

    private void writeCheck(long pos, long len) throws IOException {
        if (readOnly) {
            throw new ReadOnlyDeviceException(describe());
        }
        long size = layout.size();
        if (pos < 0 || len < 0 || pos > size - len) {
            Bounds.check(pos, len, size, describe());
        }
        if (layout.type() == VhdDiskType.FIXED && pos + len > storage.size() - VhdFooter.SIZE) {
            throw new IOException(describe() + ": a write up to " + (pos + len) + " would overwrite the footer of "
                    + "this fixed VHD (its geometry says more bytes than the file holds)");
        }
    }

    /** Pending table entries reach the file after the blocks they point at, then the footer moves to the end. */
    @Override
    public void flush() throws IOException {
        if (readOnly) {
            return;
        }
        synchronized (writeLock) {
            ensureOpen();
            writeBack();
        }
    }

    private void writeBack() throws IOException {
        if (table == null) {
            storage.flush();
            return;
        }
        BitSet pending = table.takePending();
        if (pending.isEmpty()) {
            storage.flush();
            return;
        }
        if (storage.size() < freeOffset) {
            storage.setSize(freeOffset); // qemu refuses a table pointing past the end of the file
        }
        storage.flush();
        long batAt = layout.batOffset();
        for (int i = pending.nextSetBit(0); i >= 0; ) {
            // entries sector by sector (128 a sector), each written once
            int first = i - i % 128;
            int last = Math.min(table.size(), first + 128);
            ByteBuffer b = ByteBuffer.allocate((last - first) * 4);
            for (int k = first; k < last; k++) {
                b.putInt(table.entry(k));
            }
            storage.write(batAt + 4L * first, b.flip());
            i = pending.nextSetBit(last);
        }
        storage.flush();
        storage.write(freeOffset, ByteBuffer.wrap(layout.footer().bytes()));
        storage.flush();
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
                    writeBack();
                } catch (IOException e) {
                    failure = e;
                }
            }
            closed = true;
            for (AutoCloseable c : backing == null ? List.<AutoCloseable>of(storage) : List.of(storage, backing)) {
                try {
                    c.close();
                } catch (Exception e) {
                    IOException io = e instanceof IOException x ? x : new IOException(e);
                    if (failure == null) {
                        failure = io;
                    } else {
                        failure.addSuppressed(io);
                    }
                }
            }
            if (failure != null) {
                throw failure;
            }
        }
    }

    // --------------------------------------------------------------------------------------------- info

    /** As qemu-img: the block size as cluster size for all but fixed disks; no format-specific fields. */
    @Override
    public ImageInfo info() throws IOException {
        long allocated = storage.allocatedBytes();
        String parent = layout.parent();
        Long cluster = layout.type() == VhdDiskType.FIXED ? null : layout.blockSize();
        return new ImageInfo(storage.name(), VpcFormat.NAME, layout.size(), cluster, allocated < 0 ? null : allocated,
                false, parent, parent == null ? null : ReferenceResolver.fullBackingFilename(storage.name(), parent),
                parent == null ? null : VpcFormat.NAME, List.of(), null, null, false);
    }

    // -------------------------------------------------------------------------------------------- Azure

    /** Azure's rules for an uploaded VHD: fixed, a whole number of MiB, the footer right after the data. */
    @Override
    public List<String> azureProblems() throws IOException {
        return AzureRules.problems(layout.footer(), layout.type(), storage.size());
    }
}
