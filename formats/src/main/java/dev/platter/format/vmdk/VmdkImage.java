package dev.platter.format.vmdk;

import dev.platter.core.Bounds;
import dev.platter.core.CorruptImageException;
import dev.platter.core.Extent;
import dev.platter.core.ReadOnlyDeviceException;
import dev.platter.core.UnsupportedFeatureException;
import dev.platter.core.image.Image;
import dev.platter.core.image.ImageCheck;
import dev.platter.core.image.ImageInfo;
import dev.platter.core.image.Images;
import dev.platter.core.image.MappedReader;
import dev.platter.core.image.OpenOptions;
import dev.platter.core.image.ReferenceKind;
import dev.platter.core.image.ReferenceResolver;
import dev.platter.core.image.capability.CompressedWrites;
import dev.platter.core.image.capability.FlushBarriers;
import dev.platter.core.image.capability.PreallocatedMetadata;
import dev.platter.core.storage.Storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An open VMDK disk: its extents end to end through one {@link VmdkMapper}, and, for a delta disk, the parent named
 * by parentFileNameHint as its backing image (opened through the gate, format vmdk, as qemu opens it). Grains the
 * disk does not allocate are answered by the parent only if its CID is the child's parentCID (checked once, when
 * first needed, as qemu does for reads; Platter also for the allocation map).
 *
 * <p>Writes (sparse, stream-optimized and flat extents) go as qemu's: a new grain is appended whole, filled from
 * the parent; the first write after opening gives the disk a new CID (children made against the old content stop
 * reading through to it). Unlike qemu, grain table changes wait in memory and are written back at a flush, after
 * the grains they point at are flushed: a crash leaves at most unreferenced grains. Stream-optimized extents take
 * whole grains, once each; {@link CompressedWrites} hands their compression to the caller's threads.
 *
 * <p>Thread-safe: reads run concurrently (the mappers' caches are synchronized); writes, flushes and closing take
 * one lock.
 */
public final class VmdkImage implements Image, PreallocatedMetadata, FlushBarriers, CompressedWrites {
    static final long NO_PARENT = 0xffffffffL;

    private final Storage storage;
    private final VmdkLayout layout;
    private final Image backing;
    private final long size;
    private final MappedReader reads;
    private final MappedReader maps;
    private volatile boolean parentChecked;
    private volatile boolean closed;
    private final boolean readOnly;
    private final Object writeLock = new Object();
    /** Virtual start offset of each extent. */
    private final long[] starts;
    private boolean cidUpdated;
    private boolean barriers = true;

    private VmdkImage(Storage storage, VmdkLayout layout, Image backing, boolean readOnly) {
        this.storage = storage;
        this.layout = layout;
        this.backing = backing;
        this.readOnly = readOnly;
        this.starts = new long[layout.extents().size()];
        long total = 0;
        for (int i = 0; i < starts.length; i++) {
            starts[i] = total;
            total += layout.extents().get(i).length();
        }
        this.size = total;
        this.reads = new MappedReader(new VmdkMapper(layout.extents(), true, this::checkParent), () -> size,
                this::backing);
        this.maps = new MappedReader(new VmdkMapper(layout.extents(), false, this::checkParent), () -> size,
                this::backing);
    }

    /** Opens the VMDK on {@code storage} (read-only); the image owns the storage from then on. */
    static VmdkImage open(Storage storage, OpenOptions options) throws IOException {
        Path referrer = storage.path() != null ? storage.path() : Path.of(storage.name());
        VmdkLayout layout = VmdkOpener.open(storage, options);
        Image backing = null;
        try {
            String hint = layout.parentHint();
            if (hint != null && !hint.isEmpty()) {
                if (options.isUntrusted()) {
                    options.resolver().resolve(referrer, hint, ReferenceKind.BACKING_FILE); // refuses
                }
                if (options.openBacking()) {
                    try {
                        backing = Images.openBacking(referrer, hint, VmdkFormat.NAME, options);
                    } catch (CorruptImageException | UnsupportedFeatureException e) {
                        throw e;
                    } catch (IOException e) {
                        throw new IOException("Could not open backing file: " + e.getMessage(), e);
                    }
                }
            }
            return new VmdkImage(storage, layout, backing, options.readOnly());
        } catch (IOException | RuntimeException e) {
            closeAll(layout, storage, backing, false, e);
            throw e;
        }
    }

    /**
     * Closes the extent files (not the image file unless {@code includeImage}) and the parent; the first failure is
     * returned (or added to {@code failure}, when there is one already).
     */
    private static IOException closeAll(VmdkLayout layout, Storage image, Image backing, boolean includeImage,
                                        Exception failure) {
        List<AutoCloseable> all = new ArrayList<>();
        for (VmdkExtent e : layout.extents()) {
            if (e.storage != image && !all.contains(e.storage)) {
                all.add(e.storage);
            }
        }
        if (includeImage) {
            all.add(image);
        }
        if (backing != null) {
            all.add(backing);
        }
        IOException first = null;
        for (AutoCloseable c : all) {
            try {
                c.close();
            } catch (Exception e) {
                if (failure != null) {
                    failure.addSuppressed(e);
                } else if (first == null) {
                    first = e instanceof IOException io ? io : new IOException(e);
                }
            }
        }
        return first;
    }

    // ------------------------------------------------------------------------------------------ basics

    @Override
    public String formatName() {
        return VmdkFormat.NAME;
    }

    @Override
    public Storage storage() {
        return storage;
    }

    /** The image file, then every extent file that is not the image file, in extent order. */
    @Override
    public List<Storage> storages() {
        List<Storage> out = new ArrayList<>();
        out.add(storage);
        for (VmdkExtent e : layout.extents()) {
            if (!out.contains(e.storage)) {
                out.add(e.storage);
            }
        }
        return out;
    }

    @Override
    public Image backing() {
        return backing;
    }

    @Override
    public long size() {
        return size;
    }

    /** qemu's create type: monolithicSparse, streamOptimized, or the descriptor's. */
    public String createType() {
        return layout.createType();
    }

    /** The content ID. */
    public long cid() {
        return layout.cid();
    }

    /** The parent's content ID this disk was made against ({@code 0xffffffff}: none). */
    public long parentCid() {
        return layout.parentCid();
    }

    /** parentFileNameHint, or null. */
    public String parentFileNameHint() {
        return layout.parentHint();
    }

    List<VmdkExtent> extents() {
        return layout.extents();
    }

    @Override
    public String describe() {
        String hint = layout.parentHint();
        return hint == null || hint.isEmpty() ? storage.name() : storage.name() + " [parent=" + hint + "]";
    }

    @Override
    public <T> Optional<T> capability(Class<T> type) {
        if (type == PreallocatedMetadata.class || (!readOnly && type == FlushBarriers.class)
                || (type == CompressedWrites.class && streamOptimizedWrites())) {
            return Optional.of(type.cast(this));
        }
        return Optional.empty();
    }

    /** Compressed writes: a writable disk of one stream-optimized extent. */
    private boolean streamOptimizedWrites() {
        List<VmdkExtent> extents = layout.extents();
        return !readOnly && extents.size() == 1 && extents.get(0).compressed() && extents.get(0).writable();
    }

    /** Flat extents are asked about their holes, as qemu asks them (BDRV_BLOCK_RECURSE). */
    @Override
    public boolean metadataPreallocated() {
        return layout.extents().stream().anyMatch(VmdkExtent::flat);
    }

    @Override
    public boolean refinedByHost(Extent run) {
        for (VmdkExtent e : layout.extents()) {
            if (e.flat() && e.storage == run.host()) {
                return true;
            }
        }
        return false;
    }

    /**
     * qemu's vmdk_is_cid_valid, before the first read through to the parent: the parent must be a VMDK whose CID is
     * this disk's parentCID.
     */
    private void checkParent() throws IOException {
        Image parent = backing;
        if (parent == null || parentChecked) {
            return;
        }
        if (!(parent instanceof VmdkImage p)) {
            throw new IOException(storage.name() + ": the parent '" + layout.parentHint() + "' is not a vmdk "
                    + "image, so it has no CID to match parentCID " + hex(layout.parentCid()));
        }
        if (p.cid() != layout.parentCid()) {
            throw new IOException(storage.name() + ": parentCID " + hex(layout.parentCid()) + " does not match the "
                    + "CID " + hex(p.cid()) + " of the parent '" + layout.parentHint() + "' (the parent changed "
                    + "after this disk was made)");
        }
        parentChecked = true;
    }

    private static String hex(long cid) {
        return String.format("%08x", cid);
    }

    // ------------------------------------------------------------------------------------------ writes

    @Override
    public boolean isReadOnly() {
        return readOnly;
    }

    @Override
    public void write(long pos, ByteBuffer src) throws IOException {
        ByteBuffer rest = src.duplicate();
        eachPiece(pos, src.remaining(), true, (e, off, n, fill) -> {
            e.write(off, rest.slice(rest.position(), (int) n), fill);
            rest.position(rest.position() + (int) n);
        });
        src.position(src.limit());
    }

    @Override
    public void writeZeroes(long pos, long len) throws IOException {
        boolean parent = backing != null;
        eachPiece(pos, len, false, (e, off, n, fill) -> e.writeZeroes(off, n, parent, fill));
    }

    /**
     * The range reads as the parent (or zeros) again. qemu's vmdk driver ignores discards; Platter drops whole
     * grains from their tables and writes what lies below over parts of grains. Nothing is freed in the file.
     */
    @Override
    public void discard(long pos, long len) throws IOException {
        boolean parent = backing != null;
        eachPiece(pos, len, false, (e, off, n, fill) -> e.discard(off, n, parent, fill));
    }

    /** One extent's share of a change: {@code n} bytes at extent offset {@code off}, inside one write unit. */
    @FunctionalInterface
    private interface PieceChange {
        void apply(VmdkExtent extent, long off, long n, VmdkExtent.GrainFill fill) throws IOException;
    }

    /**
     * Applies a change to {@code [pos, pos + len)} split at extent and write-unit (grain) boundaries, or for data at
     * write-span boundaries, under the write lock, after the first write's CID update.
     */
    private void eachPiece(long pos, long len, boolean data, PieceChange change) throws IOException {
        writeCheck(pos, len);
        synchronized (writeLock) {
            ensureOpen();
            updateCid();
            for (long at = pos, end = pos + len; at < end; ) {
                int i = VmdkMapper.extentAt(starts, at);
                VmdkExtent e = layout.extents().get(i);
                long off = at - starts[i];
                long unit = data ? e.writeSpan() : e.writeUnit();
                long n = Math.min(end - at, Math.min(unit - off % unit, e.length() - off));
                change.apply(e, off, n, fillFor(i));
                at += n;
            }
        }
    }

    @Override
    public void flush() throws IOException {
        if (readOnly) {
            return;
        }
        synchronized (writeLock) {
            ensureOpen();
            writeBack(true);
        }
    }

    private void writeBack(boolean sync) throws IOException {
        for (VmdkExtent e : layout.extents()) {
            e.writeBack(barriers);
        }
        if (sync && barriers) {
            for (Storage s : storages()) {
                s.flush();
            }
        }
    }

    @Override
    public void setFlushBarriers(boolean on) {
        synchronized (writeLock) {
            barriers = on;
            for (VmdkExtent e : layout.extents()) {
                e.setBarriers(on);
            }
        }
    }

    private void writeCheck(long pos, long len) throws IOException {
        if (readOnly) {
            throw new ReadOnlyDeviceException(describe());
        }
        if (pos < 0 || len < 0 || pos > size - len) {
            Bounds.check(pos, len, size, describe());
        }
    }

    /** What a new grain of extent {@code i} holds beyond the bytes written: the parent's, or zeros. */
    private VmdkExtent.GrainFill fillFor(int i) {
        long base = starts[i];
        return (offset, dst) -> {
            if (backing == null) {
                return;
            }
            checkParent();
            long pos = base + offset;
            long parentSize = backing.size();
            int n = (int) Math.max(0, Math.min(dst.remaining(), parentSize - pos));
            if (n > 0) {
                backing.read(pos, dst.slice(dst.position(), n));
            }
        };
    }

    /**
     * qemu's vmdk_write_cid on the first write after opening: a new random CID in the descriptor, so that a delta
     * disk made against the old content no longer reads through to this one.
     */
    private void updateCid() throws IOException {
        if (cidUpdated) {
            return;
        }
        cidUpdated = true;
        long at = layout.keysAt();
        boolean embedded = at > 0;
        long fileSize = storage.size();
        int length = (int) Math.max(0, Math.min(embedded ? Descriptor.KEY_AREA : Descriptor.MAX_BYTES,
                fileSize - at));
        byte[] bytes = new byte[length];
        storage.readFully(at, ByteBuffer.wrap(bytes));
        String old = Descriptor.keyArea(bytes, length);
        byte[] text = Descriptor.withCid(old, NewDescriptor.randomCid()).getBytes(StandardCharsets.ISO_8859_1);
        if (embedded && text.length > length) {
            throw new IOException(storage.name() + ": the descriptor outgrows its area with a new CID");
        }
        // Zeros over what is left of a longer old text (the embedded area ends at its first NUL).
        ByteBuffer out = ByteBuffer.allocate(Math.max(text.length, old.length()));
        out.put(text).clear();
        storage.write(at, out);
        if (!embedded && text.length < old.length()) {
            storage.setSize(text.length);
        }
    }

    // ------------------------------------------------------------------ compressed writes (streamOptimized)

    @Override
    public int clusterSize() {
        return (int) layout.extents().get(0).writeUnit();
    }

    @Override
    public ByteBuffer compress(ByteBuffer cluster) throws IOException {
        return layout.extents().get(0).compressGrain(cluster);
    }

    /** Deflate spends as long failing on random bytes as compressing text: screen them first. */
    @Override
    public boolean slowOnIncompressible() {
        return true;
    }

    @Override
    public void writeCompressedCluster(long pos, ByteBuffer compressed) throws IOException {
        writeCheck(pos, 1);
        synchronized (writeLock) {
            ensureOpen();
            updateCid();
            layout.extents().get(0).writeCompressed(pos, compressed);
        }
    }

    @Override
    public boolean compressesEverything() {
        return true;
    }

    /** {@code compression_level}: the zlib level of the grains compressed from now on (1-9; 6 unless set). */
    @Override
    public void configure(Map<String, String> createOptions) {
        Integer level = VmdkCreateOptions.compressionLevel(createOptions);
        if (level != null) {
            synchronized (writeLock) {
                layout.extents().get(0).setCompressionLevel(level);
            }
        }
    }

    // ------------------------------------------------------------------------------------------- reads

    @Override
    public void read(long pos, ByteBuffer dst) throws IOException {
        if (pos < 0 || pos > size - dst.remaining()) {
            Bounds.check(pos, dst.remaining(), size, describe());
        }
        ensureOpen();
        reads.read(pos, dst);
    }

    @Override
    public Extent mapping(long pos, long maxLen) throws IOException {
        if (pos < 0 || maxLen <= 0 || pos >= size) {
            Bounds.checkMapping(pos, maxLen, size, describe());
        }
        ensureOpen();
        return maps.mapping(pos, maxLen);
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
                } catch (IOException e) {
                    failure = e;
                }
            }
            closed = true;
            IOException closing = closeAll(layout, storage, backing, true, failure);
            if (failure != null) {
                throw failure;
            }
            if (closing != null) {
                throw closing;
            }
        }
    }

    // --------------------------------------------------------------------------------------------- info

    @Override
    public ImageInfo info() throws IOException {
        long allocated = storage.allocatedBytes();
        for (VmdkExtent e : layout.extents()) {
            if (e.storage != storage && allocated >= 0) {
                long a = e.storage.allocatedBytes();
                allocated = a < 0 ? -1 : allocated + a;
            }
        }
        String hint = layout.parentHint();
        boolean hasParent = hint != null && !hint.isEmpty();
        return new ImageInfo(storage.name(), VmdkFormat.NAME, size, infoClusterSize(), allocated < 0 ? null : allocated,
                false, hasParent ? hint : null, hasParent ? ReferenceResolver.fullBackingFilename(storage.name(),
                hint) : null, hasParent ? VmdkFormat.NAME : null, List.of(), VmdkFormat.NAME, formatSpecific(),
                extentsAlike() ? false : null);
    }

    /** qemu's vmdk_co_get_info: the grain size when every extent is alike and not flat. */
    private Long infoClusterSize() {
        if (!extentsAlike()) {
            return null;
        }
        VmdkExtent first = layout.extents().get(0);
        return first.flat() ? null : first.clusterBytes();
    }

    /** Whether qemu's vmdk_co_get_info answers: every extent of the first one's kind (and grain size). */
    private boolean extentsAlike() {
        List<VmdkExtent> extents = layout.extents();
        if (extents.isEmpty()) {
            return false;
        }
        VmdkExtent first = extents.get(0);
        for (VmdkExtent e : extents) {
            if (e.flat() != first.flat() || e.compressed() != first.compressed()
                    || (!e.flat() && e.clusterBytes() != first.clusterBytes())) {
                return false;
            }
        }
        return true;
    }

    /** ImageInfoSpecificVmdk, members in QAPI schema order; each extent as qemu 7.2's ImageInfo of it. */
    private Map<String, Object> formatSpecific() {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("create-type", layout.createType());
        d.put("cid", layout.cid());
        d.put("parent-cid", layout.parentCid());
        List<Object> extents = new ArrayList<>();
        for (VmdkExtent e : layout.extents()) {
            Map<String, Object> x = new LinkedHashMap<>();
            x.put("filename", e.storage.name());
            x.put("format", e.type);
            x.put("virtual-size", e.length());
            if (!e.flat()) {
                x.put("cluster-size", e.clusterBytes());
            }
            if (e.compressed()) {
                x.put("compressed", true);
            }
            extents.add(x);
        }
        d.put("extents", extents);
        return d;
    }

    // ------------------------------------------------------------------------------------------ check

    /** qemu-img check of a vmdk: every grain's offset must lie inside its extent file; no repairs. */
    @Override
    public ImageCheck check(ImageCheck.Repair repair) throws IOException {
        if (repair != ImageCheck.Repair.NONE) {
            throw new UnsupportedFeatureException("vmdk repair", "This image format does not support checks");
        }
        ensureOpen();
        return VmdkChecker.check(storage.name(), layout.extents());
    }
}
