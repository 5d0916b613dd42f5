package dev.platter.format.qcow2;

import dev.platter.core.Bounds;
import dev.platter.core.Extent;
import dev.platter.core.ReadOnlyDeviceException;
import dev.platter.core.UnsupportedFeatureException;
import dev.platter.core.image.Image;
import dev.platter.core.image.ImageCheck;
import dev.platter.core.image.ImageInfo;
import dev.platter.core.image.Images;
import dev.platter.core.image.OpenOptions;
import dev.platter.core.image.ReferenceKind;
import dev.platter.core.image.ReferenceResolver;
import dev.platter.core.image.SnapshotInfo;
import dev.platter.core.image.capability.Amendable;
import dev.platter.core.image.capability.BackingReference;
import dev.platter.core.image.capability.CompressedWrites;
import dev.platter.core.image.capability.FlushBarriers;
import dev.platter.core.image.capability.InternalSnapshots;
import dev.platter.core.image.capability.PersistentBitmaps;
import dev.platter.core.image.capability.PreallocatedMetadata;
import dev.platter.core.storage.Storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * An open qcow2 image (versions 2 and 3): reads through the L1/L2 tables and the backing chain, allocating writes
 * with copy-on-write, zero flags, discard, compressed clusters, internal snapshots, persistent dirty bitmaps, check
 * and repair, resize and amend.
 *
 * <p>Thread-safe: reads (and {@link #mapping}) run concurrently under a read lock; writes and metadata changes are
 * serialised under a write lock. Metadata is cached (bounded by {@link OpenOptions#metadataCacheBytes()}) and
 * written back in a crash-safe order on {@link #flush()}, on {@link #close()}, and when the cache fills up; there
 * is no flush per write. {@link #setFlushBarriers(boolean)} turns the fsync barriers off for bulk writers that only
 * need the result after a clean close (qemu-img convert's cache=unsafe).
 *
 * <p>For convert: {@link #clusterSize()}, {@link #compressor()} (thread-safe; null result = store uncompressed)
 * and {@link #writeCompressedCluster(long, ByteBuffer)}.
 */
public final class Qcow2Image implements Image, InternalSnapshots, CompressedWrites, FlushBarriers, Amendable,
        BackingReference, PersistentBitmaps, PreallocatedMetadata {
    private final Qcow2Metadata m;
    private final Storage storage;
    private final OpenOptions options;
    private final DataFile data;
    private final Qcow2Encryption encryption;
    private final Image backing;
    private final ClusterMapper reader;
    private final Qcow2Writer writer;
    private final Bitmaps bitmaps;
    private final CompressionType compression;
    private volatile ClusterCompressor compressor;
    private volatile Boolean metadataPreallocated;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private volatile boolean closed;
    private boolean compressedWrites;

    private Qcow2Image(Qcow2Metadata m, OpenOptions options, Image backing, Qcow2Encryption encryption)
            throws IOException {
        this.m = m;
        this.storage = m.file;
        this.options = options;
        this.backing = backing;
        this.encryption = encryption;
        this.data = !encryption.unlocked() ? DataFile.refused(m.file, Qcow2Encryption.KEY_REQUIRED)
                : m.header.hasDataFile() ? DataFile.external(m.file, m.header.dataFile, options, encryption.legacyAes())
                : DataFile.inImage(encryption.dataStorage(m.file), encryption.legacyAes());
        this.compression = CompressionType.of(m.header.compressionType);
        this.reader = new ClusterMapper(m, () -> m.l1, this::size, this::backing, data, compression.decompressor());
        this.writer = new Qcow2Writer(m, reader, data, this::backing, this::size);
        this.bitmaps = new Bitmaps(m);
    }

    /** Opens a qcow2 image on {@code storage}; the image owns the storage from then on. */
    static Qcow2Image open(Storage storage, OpenOptions options) throws IOException {
        return open(storage, options, false);
    }

    /**
     * @param forCheck open for check/repair: a corrupt image may be opened read-write and a dirty one is not
     *                 repaired on open
     */
    static Qcow2Image open(Storage storage, OpenOptions options, boolean forCheck) throws IOException {
        Qcow2Metadata m = Qcow2Metadata.open(storage, options.readOnly(), options.metadataCacheBytes(), forCheck);
        Image backing = null;
        Qcow2Header h = m.header;
        // The key is asked for only when the image is encrypted: an unencrypted one never looks its secret up.
        Qcow2Encryption encryption = Qcow2Encryption.open(m, () -> options.keyFor(storage.path() != null
                ? storage.path() : Path.of(storage.name())), options.keys().metadataOnly());
        if (options.isUntrusted()) {
            refuseReferences(storage, h, options);
        }
        if (h.backingFile != null && options.openBacking()) {
            if (h.hasDataFile() && h.dataFileRaw()) {
                throw new IOException("a raw external data file cannot be used with a backing file");
            }
            Path referrer = storage.path() != null ? storage.path() : Path.of(storage.name());
            try {
                backing = Images.openBacking(referrer, h.backingFile, h.backingFormat, options);
            } catch (dev.platter.core.CorruptImageException | UnsupportedFeatureException e) {
                throw e; // keep the kind: a loop or a damaged backing file is still corruption
            } catch (IOException e) {
                throw new IOException("Could not open backing file: " + e.getMessage(), e);
            }
        }
        Qcow2Image image;
        try {
            image = new Qcow2Image(m, options, backing, encryption);
            image.bitmaps.load();
            if (!options.readOnly() && h.isDirty() && !forCheck) {
                // Refcounts may be stale after a crash with lazy refcounts: repair them before anything allocates.
                Qcow2Checker.check(image.m, image.bitmaps, ImageCheck.Repair.ALL);
            }
        } catch (IOException | RuntimeException e) {
            if (backing != null) {
                backing.close();
            }
            encryption.close();
            throw e;
        }
        return image;
    }

    /**
     * An untrusted image is refused when it is opened if it names any other file, not only when a command would
     * read through the name: the gate decides (and, being the untrusted one, refuses).
     */
    private static void refuseReferences(Storage storage, Qcow2Header h, OpenOptions options) throws IOException {
        Path referrer = storage.path() != null ? storage.path() : Path.of(storage.name());
        if (h.backingFile != null) {
            options.resolver().resolve(referrer, h.backingFile, ReferenceKind.BACKING_FILE);
        }
        if (h.hasDataFile()) {
            options.resolver().resolve(referrer, h.dataFile != null ? h.dataFile : "", ReferenceKind.DATA_FILE);
        }
    }

    // ------------------------------------------------------------------------------------------ basics

    @Override
    public String formatName() {
        return Qcow2Format.NAME;
    }

    @Override
    public Storage storage() {
        return storage;
    }

    @Override
    public List<Storage> storages() {
        Storage external = data.openedExternal();
        return external == null ? List.of(storage) : List.of(storage, external);
    }

    @Override
    public Image backing() {
        return backing;
    }

    @Override
    public long size() {
        return m.header.size;
    }

    @Override
    public boolean isReadOnly() {
        return m.readOnly;
    }

    /** The cluster size in bytes (512 B to 2 MiB). */
    @Override
    public int clusterSize() {
        return m.geo.clusterSize();
    }

    /** The qcow2 version: 2 (compat 0.10) or 3 (compat 1.1). */
    public int version() {
        return m.header.version;
    }

    /** True with extended L2 entries (32 subclusters per cluster). */
    public boolean extendedL2() {
        return m.geo.extendedL2();
    }

    /** Width of a refcount in bits. */
    public int refcountBits() {
        return m.geo.refcountBits();
    }

    /** The compression type of compressed clusters. */
    public CompressionType compressionType() {
        return compression;
    }

    /** The name stored as the backing file, or null. */
    public String backingFileName() {
        return m.header.backingFile;
    }

    /** The backing format stored in the header extension, or null. */
    public String backingFormat() {
        return m.header.backingFormat;
    }

    @Override
    public String describe() {
        return m.header.backingFile == null ? storage.name()
                : storage.name() + " [backing=" + m.header.backingFile + "]";
    }

    /**
     * Every capability of qcow2, except compressed writes with an external data file and persistent bitmaps in a
     * version 2 image (qemu's bdrv_supports_persistent_dirty_bitmap).
     */
    @Override
    public <T> Optional<T> capability(Class<T> type) {
        if (!type.isInstance(this) || type == Image.class) {
            return Optional.empty();
        }
        if (type == CompressedWrites.class && (data.isExternal() || encryption.encrypted())) {
            return Optional.empty(); // compressed clusters are never encrypted: refused rather than written in clear
        }
        if (type == PersistentBitmaps.class && m.header.version < 3) {
            return Optional.empty();
        }
        return Optional.of(type.cast(this));
    }

    /**
     * Turns the fsync barriers between ordered metadata writes (and in {@link #flush()}) on or off. Off is qemu's
     * cache=unsafe: for a bulk writer (convert) that creates the file and only needs it after a clean
     * {@link #close()}; a crash then may leave an inconsistent image. On by default.
     */
    @Override
    public void setFlushBarriers(boolean on) {
        m.barriers = on;
    }

    // ------------------------------------------------------------------------------------------- reads

    @Override
    public void read(long pos, ByteBuffer dst) throws IOException {
        checkRange(pos, dst.remaining());
        lock.readLock().lock();
        try {
            ensureOpen();
            reader.read(pos, dst);
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public Extent mapping(long pos, long maxLen) throws IOException {
        if (pos < 0 || maxLen <= 0 || pos >= size()) {
            Bounds.checkMapping(pos, maxLen, size(), describe());
        }
        lock.readLock().lock();
        try {
            ensureOpen();
            return reader.mapping(pos, maxLen);
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Bounds check whose message (with its description) is only built when it fails. */
    private void checkRange(long pos, long len) throws java.io.EOFException {
        if (pos < 0 || len < 0 || pos > size() - len) {
            Bounds.check(pos, len, size(), describe());
        }
    }

    // ------------------------------------------------------------------------------------------ writes

    @Override
    public void write(long pos, ByteBuffer src) throws IOException {
        checkRange(pos, src.remaining());
        if (!src.hasRemaining()) {
            return;
        }
        lock.writeLock().lock();
        try {
            int n = src.remaining();
            beginWrite();
            writer.write(pos, src);
            bitmaps.markDirty(pos, n);
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public void writeZeroes(long pos, long len) throws IOException {
        Bounds.check(pos, len, size(), describe());
        if (len == 0) {
            return;
        }
        lock.writeLock().lock();
        try {
            beginWrite();
            writer.writeZeroes(pos, len);
            bitmaps.markDirty(pos, len);
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public void discard(long pos, long len) throws IOException {
        Bounds.check(pos, len, size(), describe());
        if (len == 0) {
            return;
        }
        lock.writeLock().lock();
        try {
            beginWrite();
            writer.discard(pos, len);
            bitmaps.markDirty(pos, len);
        } finally {
            lock.writeLock().unlock();
        }
    }

    /**
     * The compressor for this image's compression type: thread-safe, shared by all callers. Its result is the
     * stream for {@link #writeCompressedCluster}, or null when compression would not shrink the cluster (then write
     * the cluster with {@link #write}, as qemu stores such clusters uncompressed).
     */
    public ClusterCompressor compressor() {
        ClusterCompressor c = compressor;
        if (c == null) {
            c = compression.compressor(clusterSize());
            compressor = c;
        }
        return c;
    }

    @Override
    public ByteBuffer compress(ByteBuffer cluster) throws IOException {
        return compressor().compress(cluster);
    }

    /** Deflate takes as long to fail on incompressible data as to compress; zstd gives up quickly. */
    @Override
    public boolean slowOnIncompressible() {
        return compression == CompressionType.ZLIB;
    }

    /**
     * Stores one pre-compressed cluster (from {@link #compressor()}) at a cluster-aligned virtual offset, packed
     * after the previous compressed cluster as qemu packs them (several share a host cluster, each counted once in
     * its refcount). Whatever the virtual cluster held before is released.
     *
     * @param virtualOffset cluster-aligned virtual offset inside the image
     * @param compressed  the compressed stream, shorter than a cluster; read from position to limit, not consumed
     */
    @Override
    public void writeCompressedCluster(long virtualOffset, ByteBuffer compressed) throws IOException {
        if (virtualOffset % clusterSize() != 0) {
            throw new IllegalArgumentException("compressed writes must be cluster aligned: " + virtualOffset);
        }
        Bounds.check(virtualOffset, 1, size(), describe());
        int len = compressed.remaining();
        if (len <= 0 || len >= clusterSize()) {
            throw new IllegalArgumentException("a compressed cluster must be 1 to " + (clusterSize() - 1)
                    + " bytes, not " + len);
        }
        if (data.isExternal()) {
            throw new UnsupportedFeatureException("compression with an external data file",
                    storage.name() + ": compressed clusters cannot be used with an external data file");
        }
        if (encryption.encrypted()) {
            throw new UnsupportedFeatureException("compression with encryption",
                    "Compression and encryption not supported at the same time");
        }
        lock.writeLock().lock();
        try {
            beginWrite();
            writer.writeCompressed(virtualOffset, compressed);
            compressedWrites = true;
            bitmaps.markDirty(virtualOffset, Math.min(clusterSize(), size() - virtualOffset));
        } finally {
            lock.writeLock().unlock();
        }
    }

    /**
     * Compresses one cluster with {@link #compressor()} and stores it compressed, or uncompressed when compression
     * does not shrink it. {@code cluster} holds the virtual-disk data from {@code virtualOffset}: a whole cluster, or the
     * rest of the disk for the last one.
     */
    public void writeClusterCompressed(long virtualOffset, ByteBuffer cluster) throws IOException {
        ByteBuffer c = compressor().compress(cluster);
        if (c == null) {
            write(virtualOffset, cluster.duplicate());
        } else {
            writeCompressedCluster(virtualOffset, c);
        }
    }

    /** The first write after opening prepares the image: unknown autoclear bits go, bitmaps are marked in use. */
    private void beginWrite() throws IOException {
        ensureOpen();
        if (m.readOnly) {
            throw new ReadOnlyDeviceException(describe());
        }
        m.checkWritable();
        if (m.writeStarted) {
            return;
        }
        Qcow2Header h = m.header;
        if ((h.autoclear & ~Qcow2Header.AUTOCLEAR_KNOWN) != 0) {
            h.autoclear &= Qcow2Header.AUTOCLEAR_KNOWN;
            m.writeHeader();
            m.barrier();
        }
        bitmaps.beginWrite(size());
        m.writeStarted = true;
    }

    @Override
    public void flush() throws IOException {
        lock.writeLock().lock();
        try {
            ensureOpen();
            if (m.readOnly) {
                return;
            }
            m.flushMetadata();
            if (m.barriers) {
                data.flush();
                storage.flush();
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public void close() throws IOException {
        lock.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            IOException failure = null;
            try {
                // Once corruption was found nothing more is written: it could only spread the damage.
                if (!m.readOnly && !m.header.isCorrupt()) {
                    m.flushMetadata();
                    bitmaps.store(size());
                    m.flushMetadata();
                    m.markClean();
                    alignCompressedTail();
                    if (m.barriers) {
                        data.flush();
                        storage.flush();
                    }
                }
            } catch (IOException e) {
                failure = e;
            }
            for (AutoCloseable c : new AutoCloseable[] {data::close, encryption, storage, backing}) {
                try {
                    if (c != null) {
                        c.close();
                    }
                } catch (Exception e) {
                    if (failure == null) {
                        failure = e instanceof IOException io ? io : new IOException(e);
                    }
                }
            }
            if (failure != null) {
                throw failure;
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    /**
     * After compressed writes the file may end inside a sector (streams are packed byte by byte); qemu-img convert
     * -c then extends it to a whole sector, and so does Platter, so that sector-based readers see whole sectors.
     */
    private void alignCompressedTail() throws IOException {
        if (compressedWrites) {
            long size = storage.size();
            if (size % 512 != 0) {
                storage.setSize((size + 511) & ~511L);
            }
        }
    }

    private void ensureOpen() throws IOException {
        if (closed) {
            throw new IOException(storage.name() + " is closed");
        }
    }

    // --------------------------------------------------------------------------------------------- info

    @Override
    public ImageInfo info() throws IOException {
        lock.readLock().lock();
        try {
            Qcow2Header h = m.header;
            long allocated = storage.allocatedBytes();
            List<SnapshotInfo> snaps = new ArrayList<>();
            for (SnapshotEntry s : m.snapshots) {
                snaps.add(new SnapshotInfo(s.id(), s.name(), s.vmStateSize(), s.dateSec(), s.dateNsec(),
                        s.vmClockNsec(), s.icount()));
            }
            String full = h.backingFile == null ? null : fullBackingFilename(storage.name(), h.backingFile);
            return new ImageInfo(storage.name(), Qcow2Format.NAME, h.size, (long) clusterSize(),
                    allocated < 0 ? null : allocated, encryption.encrypted(), h.backingFile, full, h.backingFormat,
                    snaps,
                    Qcow2Format.NAME, formatSpecific(), h.isDirty());
        } finally {
            lock.readLock().unlock();
        }
    }

    /** ImageInfoSpecificQCow2, members in QAPI schema order. */
    private Map<String, Object> formatSpecific() {
        Qcow2Header h = m.header;
        Map<String, Object> d = new LinkedHashMap<>();
        if (h.version == 2) {
            d.put("compat", "0.10");
            d.put("refcount-bits", (long) m.geo.refcountBits());
            d.put("compression-type", h.compressionName());
            return d;
        }
        d.put("compat", "1.1");
        if (h.hasDataFile() && h.dataFile != null) {
            d.put("data-file", h.dataFile);
        }
        if (h.hasDataFile()) {
            d.put("data-file-raw", h.dataFileRaw());
        }
        d.put("extended-l2", m.geo.extendedL2());
        d.put("lazy-refcounts", h.lazyRefcounts());
        d.put("corrupt", h.isCorrupt());
        d.put("refcount-bits", (long) m.geo.refcountBits());
        if (encryption.encrypted()) {
            d.put("encrypt", encryption.info());
        }
        List<Object> bms = bitmaps.infoList();
        if (bms != null) {
            d.put("bitmaps", bms);
        }
        d.put("compression-type", h.compressionName());
        return d;
    }

    static String fullBackingFilename(String imageName, String backing) {
        return ReferenceResolver.fullBackingFilename(imageName, backing);
    }

    static String pathCombine(String base, String name) {
        return ReferenceResolver.pathCombine(base, name);
    }

    // ----------------------------------------------------------------------------------------- resize

    @Override
    public void resize(long newSize, boolean allowShrink) throws IOException {
        lock.writeLock().lock();
        try {
            beginWrite();
            Resize.resize(m, writer, data, bitmaps, this::backing, newSize, allowShrink);
        } finally {
            lock.writeLock().unlock();
        }
    }

    // --------------------------------------------------------------------------------- backing file

    /**
     * Records a new backing file name and format in the header (rebase -u); null removes it. The backing image
     * opened with this image (if any) is not changed until the image is reopened.
     */
    @Override
    public void setBackingFile(String name, String format) throws IOException {
        lock.writeLock().lock();
        try {
            beginWrite();
            if (name != null && name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length
                    > Qcow2Header.MAX_BACKING_NAME) {
                throw new IOException("Backing file name too long (more than " + Qcow2Header.MAX_BACKING_NAME
                        + " bytes)");
            }
            if (name != null && m.header.dataFileRaw()) {
                throw new IOException("a raw external data file cannot be used with a backing file");
            }
            m.flushMetadata();
            String oldName = m.header.backingFile;
            String oldFormat = m.header.backingFormat;
            m.header.backingFile = name;
            m.header.backingFormat = name == null ? null : format;
            try {
                m.writeHeader();
            } catch (IOException e) {
                m.header.backingFile = oldName;
                m.header.backingFormat = oldFormat;
                throw e;
            }
            m.barrier();
        } finally {
            lock.writeLock().unlock();
        }
    }

    // ------------------------------------------------------------------------------------------ check

    /**
     * qemu-img check: verifies every refcount against the references found by walking all metadata, plus the
     * COPIED flags; with {@code repair} fixes leaks (LEAKS) or everything it can (ALL), rebuilding the refcount
     * structure if needed. Repair needs the image open read-write ({@link Qcow2Format#openForCheck}).
     */
    @Override
    public ImageCheck check(ImageCheck.Repair repair) throws IOException {
        lock.writeLock().lock();
        try {
            ensureOpen();
            if (repair != ImageCheck.Repair.NONE && m.readOnly) {
                throw new ReadOnlyDeviceException(describe());
            }
            return Qcow2Checker.check(m, bitmaps, repair);
        } finally {
            lock.writeLock().unlock();
        }
    }

    // -------------------------------------------------------------------------------------- snapshots

    /** The internal snapshots, in table order. */
    @Override
    public List<SnapshotInfo> snapshots() {
        lock.readLock().lock();
        try {
            List<SnapshotInfo> out = new ArrayList<>();
            for (SnapshotEntry s : m.snapshots) {
                out.add(new SnapshotInfo(s.id(), s.name(), s.vmStateSize(), s.dateSec(), s.dateNsec(),
                        s.vmClockNsec(), s.icount()));
            }
            return out;
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Creates an internal snapshot of the current state (ID = one more than the largest numeric ID). */
    @Override
    public SnapshotInfo createSnapshot(String name) throws IOException {
        lock.writeLock().lock();
        try {
            beginWrite();
            if (name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 0xffff) {
                throw new IllegalArgumentException("snapshot name too long");
            }
            SnapshotEntry s = Snapshots.create(m, name, java.time.Instant.now());
            return new SnapshotInfo(s.id(), s.name(), s.vmStateSize(), s.dateSec(), s.dateNsec(), s.vmClockNsec(),
                    s.icount());
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Reverts the disk to a snapshot (found by ID, then by name); returns false when there is no such one. */
    @Override
    public boolean applySnapshot(String idOrName) throws IOException {
        lock.writeLock().lock();
        try {
            beginWrite();
            int i = Snapshots.find(m.snapshots, idOrName);
            if (i < 0) {
                return false;
            }
            checkSnapshotSize(m.snapshots.get(i));
            Snapshots.apply(m, i);
            bitmaps.markAllDirty(size());
            return true;
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Deletes a snapshot (found by ID, then by name); returns false when there is no such one. */
    @Override
    public boolean deleteSnapshot(String idOrName) throws IOException {
        lock.writeLock().lock();
        try {
            beginWrite();
            int i = Snapshots.find(m.snapshots, idOrName);
            if (i < 0) {
                return false;
            }
            Snapshots.delete(m, i);
            return true;
        } finally {
            lock.writeLock().unlock();
        }
    }

    /**
     * A read-only view of a snapshot (found by ID, then by name), as convert -l reads it: its own L1 table and
     * disk size, the same backing file. The view is valid while this image is open and the snapshot exists.
     */
    @Override
    public Image openSnapshot(String idOrName) throws IOException {
        lock.readLock().lock();
        try {
            int i = Snapshots.find(m.snapshots, idOrName);
            if (i < 0) {
                throw new IOException("Can't find snapshot '" + idOrName + "'");
            }
            SnapshotEntry s = m.snapshots.get(i);
            checkSnapshotSize(s);
            long[] l1 = s.l1Size() == 0 ? new long[0]
                    : m.readLongs(s.l1TableOffset(), s.l1Size(), "qcow2 snapshot L1 table", storage.size());
            return new Qcow2SnapshotView(this, s, new L1Table(s.l1TableOffset(), l1), m, data, lock);
        } finally {
            lock.readLock().unlock();
        }
    }

    /** A snapshot's disk size must fit its L1 table (a damaged entry could claim exabytes). */
    private void checkSnapshotSize(SnapshotEntry s) throws IOException {
        if (s.diskSize() < 0 || m.geo.l1EntriesFor(s.diskSize()) > s.l1Size()) {
            throw new dev.platter.core.CorruptImageException("qcow2 snapshot table entry '" + s.name() + "'",
                    m.header.snapshotsOffset, "disk size " + s.diskSize() + " does not fit its L1 table ("
                    + s.l1Size() + " entries)");
        }
    }

    // ---------------------------------------------------------------------------------------- bitmaps

    /** The persistent dirty bitmaps (empty when there are none, or when they were left inconsistent). */
    public List<Qcow2Bitmap> bitmaps() {
        lock.readLock().lock();
        try {
            return bitmaps.list();
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * The virtual-disk ranges a bitmap marks as changed (granularity-aligned, merged, clipped to the disk): what an
     * incremental backup copies. Fails for a bitmap that is in use (not saved cleanly).
     */
    public List<ByteRange> changedRanges(String bitmap) throws IOException {
        lock.readLock().lock();
        try {
            return bitmaps.changedRanges(bitmap, size());
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public List<PersistentBitmaps.Bitmap> persistentBitmaps() {
        return bitmaps().stream().map(b -> new PersistentBitmaps.Bitmap(b.name(), b.granularity())).toList();
    }

    /** Computed once per open image: it scans the refcounts. */
    @Override
    public boolean metadataPreallocated() throws IOException {
        Boolean known = metadataPreallocated;
        if (known == null) {
            lock.writeLock().lock();
            try {
                known = PreallocationProbe.metadataPreallocated(m);
            } finally {
                lock.writeLock().unlock();
            }
            metadataPreallocated = known;
        }
        return known;
    }

    // ------------------------------------------------------------------------------------------ amend

    /** qemu-img amend: changes compat, lazy_refcounts or refcount_bits in place. */
    @Override
    public void amend(java.util.Map<String, String> options) throws IOException {
        amend(options, dev.platter.core.crypto.Secrets.none());
    }

    /** qcow2's options, then the key slots ({@code encrypt.state}, {@code encrypt.new-secret}, ...). */
    @Override
    public void amend(java.util.Map<String, String> options, dev.platter.core.crypto.Secrets secrets)
            throws IOException {
        java.util.Map<String, String> rest = new java.util.LinkedHashMap<>(options);
        java.util.Map<String, String> slots = new java.util.LinkedHashMap<>();
        for (String k : List.of("state", "new-secret", "old-secret", "keyslot", "iter-time")) {
            String v = rest.remove("encrypt." + k);
            if (v != null) {
                slots.put(k, v);
            }
        }
        lock.writeLock().lock();
        try {
            beginWrite();
            if (!rest.isEmpty() || slots.isEmpty()) {
                Amend.amend(m, writer, data, bitmaps, this::backing, rest);
            }
            if (!slots.isEmpty()) {
                m.flushMetadata();
                encryption.amend(m, slots, secrets);
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Sets up LUKS on a new, empty image (create). */
    void setUpEncryption(dev.platter.core.crypto.CipherSpec spec, dev.platter.core.crypto.HashAlgorithm hash,
                         long iterTimeMillis, dev.platter.core.crypto.Secret key) throws IOException {
        lock.writeLock().lock();
        try {
            beginWrite();
            Qcow2Encryption.create(m, spec, hash, iterTimeMillis, key);
        } finally {
            lock.writeLock().unlock();
        }
    }

    // ------------------------------------------------------------------------------------ creation

    /** qemu-img create's preallocation of a new image: every L2 table and data cluster, reserved or written. */
    void preallocate(dev.platter.core.image.Preallocation mode) throws IOException {
        lock.writeLock().lock();
        try {
            Qcow2Creator.preallocate(m, writer, data, size(), mode);
        } finally {
            lock.writeLock().unlock();
        }
    }
}
