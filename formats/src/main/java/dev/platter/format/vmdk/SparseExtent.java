package dev.platter.format.vmdk;

import dev.platter.core.CorruptImageException;
import dev.platter.core.UnsupportedFeatureException;
import dev.platter.core.image.MappedRun;
import dev.platter.core.storage.Storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A sparse extent, hosted ("KDMV": monolithicSparse, streamOptimized, twoGbMaxExtentSparse) or ESX ("COWD",
 * vmfsSparse): a grain directory of grain tables of grains. Opening checks the header as qemu's vmdk_open_vmdk4 and
 * vmdk_open_vmfs_sparse do (same messages) and that the directory lies inside the file; grain tables are read on
 * demand into a bounded cache and must lie inside the file too. Compressed grains (stream-optimized) are answered
 * as COMPRESSED runs and inflated one grain at a time.
 */
final class SparseExtent extends VmdkExtent {
    /** qemu's bound on a grain: 0x200000 sectors (1 GiB). */
    static final long MAX_GRAIN_SECTORS = 0x200000;
    /** Platter's bound on a compressed grain, which is inflated in memory (qemu-img and VMware write 64 KiB). */
    static final long MAX_COMPRESSED_GRAIN_SECTORS = 2048;

    private final GrainDirectory gd;
    private final int gtEntries;
    private final long grainSectors;
    private final boolean zeroedGrain;
    private final boolean compressed;
    private final boolean markers;
    private final String where;
    private final Map<Long, GrainTable> tables;
    private final ThreadLocal<Inflated> lastGrain = ThreadLocal.withInitial(Inflated::new);
    /** How the extent can be written, or null when it is open read-only. */
    private final Writes writes;

    /**
     * A writable extent's state, guarded by the image's write lock: where the next grain goes, the tables changed
     * since they were last written back (kept in memory until then, where reads find them), the redundant
     * directory whose tables mirror them.
     */
    private static final class Writes {
        final GrainDirectory redundant;
        /** Grains lie from here on: an entry pointing before it points into the header, descriptor or tables. */
        final long firstGrainSector;
        /** Grain tables changed in memory, by sector, with their directory index. */
        final Map<Long, GrainTable> dirty = new LinkedHashMap<>();
        final Map<Long, Long> dirtyIndex = new LinkedHashMap<>();
        long nextSector;
        /** A compressed extent ends in an end-of-stream marker once its tables are written back. */
        boolean streamOpen;
        /** Flush grains before the tables that point at them (off while convert fills a new target). */
        boolean barriers = true;
        GrainCompressor compressor;

        Writes(GrainDirectory redundant, long nextSector, long firstGrainSector) {
            this.firstGrainSector = firstGrainSector;
            this.redundant = redundant;
            this.nextSector = nextSector;
        }
    }

    /** At most this many changed grain tables wait in memory before they are written back. */
    static final int MAX_DIRTY_TABLES = 4096;

    private static final class Inflated {
        long record = -1;
        byte[] bytes;
        int length;
    }

    private SparseExtent(Storage storage, String type, long sectors, GrainDirectory gd,
                         int gtEntries, long grainSectors, boolean zeroedGrain, boolean compressed, boolean markers,
                         int cachedTables, Writes writes) {
        super(storage, type, sectors);
        this.writes = writes;
        this.gd = gd;
        this.gtEntries = gtEntries;
        this.grainSectors = grainSectors;
        this.zeroedGrain = zeroedGrain;
        this.compressed = compressed;
        this.markers = markers;
        this.where = "vmdk extent '" + storage.name() + "'";
        int max = Math.max(16, cachedTables);
        this.tables = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, GrainTable> eldest) {
                return size() > max;
            }
        };
    }

    /**
     * Opens a hosted sparse extent whose first sector {@code first} holds "KDMV" (a descriptor-holding header,
     * capacity 0, is the caller's business).
     *
     * @param cacheBytes what this extent may spend on cached grain tables
     * @param writable   open for writing (refused where Platter does not write)
     */
    static SparseExtent openHosted(Storage file, String type, ByteBuffer first, long cacheBytes, boolean writable)
            throws IOException {
        String where = "vmdk sparse extent header of '" + file.name() + "'";
        SparseHeader h = SparseHeader.parse(first);
        long fileSize = file.size();
        boolean footer = h.gdOffset == SparseHeader.GD_AT_END;
        if (footer) {
            h = footer(file, fileSize);
        }
        if (Integer.compareUnsigned(h.version, 3) > 0) {
            throw new UnsupportedFeatureException("vmdk version " + Integer.toUnsignedString(h.version),
                    "Unsupported VMDK version " + Integer.toUnsignedString(h.version));
        }
        long gtes = Integer.toUnsignedLong(h.gtesPerGt);
        if (gtes > 512) {
            throw new CorruptImageException(where, 0, "L2 table size too big (" + gtes + " entries per grain "
                    + "table, at most 512)");
        }
        if (gtes == 0 || h.grainSize == 0) {
            throw new CorruptImageException(where, 0, "L1 entry size is invalid (" + gtes + " entries of "
                    + h.grainSize + " sectors)");
        }
        long fileSectors = (fileSize + 511) / 512;
        if (Long.compareUnsigned(fileSectors, h.overHead) < 0) {
            throw new CorruptImageException(where, 0, "File truncated, expecting at least "
                    + Long.toUnsignedString(h.overHead) + " sectors");
        }
        checkGrain(h.grainSize, where);
        if (h.compressed() && h.grainSize > MAX_COMPRESSED_GRAIN_SECTORS) {
            throw new UnsupportedFeatureException("vmdk compressed grains of " + h.grainSize + " sectors",
                    where + ": compressed grains of " + h.grainSize + " sectors (Platter inflates at most "
                            + MAX_COMPRESSED_GRAIN_SECTORS + ")");
        }
        long capacity = checkCapacity(h.capacity, where);
        long gdEntries = ceilDiv(capacity, gtes * h.grainSize);
        long gdOffset = sectorOffset(h.gdOffset, where, "grain directory");
        GrainDirectory gd = GrainDirectory.read(file, gdOffset, gdEntries, "vmdk grain directory of '"
                + file.name() + "'");
        Writes writes = null;
        if (writable) {
            writes = writesFor(file, h, footer, gdEntries, where);
        }
        return new SparseExtent(file, type, capacity, gd, (int) gtes, h.grainSize, h.zeroedGrain(),
                h.compressed(), h.markers(), (int) (cacheBytes / (gtes * 4)), writes);
    }

    /**
     * What writing needs, checked as the extent opens: the redundant directory (its tables mirror the primary's),
     * and where new grains go: after the end of the file, as qemu allocates them; in a compressed extent, over the
     * end-of-stream marker that ends it.
     */
    private static Writes writesFor(Storage file, SparseHeader h, boolean footer, long gdEntries, String where)
            throws IOException {
        if (footer) {
            throw new UnsupportedFeatureException("writes to vmdk streams with the directory at the end",
                    where + ": the grain directory is at the end of the stream (a VMware export); Platter does not "
                            + "write into such a file (convert it instead)");
        }
        if (h.compressed() && !h.markers()) {
            throw new UnsupportedFeatureException("writes to compressed vmdk extents without markers",
                    where + ": compressed grains without grain markers are not written");
        }
        GrainDirectory redundant = null;
        if ((h.flags & SparseHeader.FLAG_REDUNDANT_GD) != 0 && h.rgdOffset != 0) {
            redundant = GrainDirectory.read(file, sectorOffset(h.rgdOffset, where, "redundant grain directory"),
                    gdEntries, "vmdk redundant grain directory of '" + file.name() + "'");
        }
        long sectors = (file.size() + 511) / 512;
        if (h.compressed() && sectors > h.overHead && isZeroSector(file, (sectors - 1) * 512)) {
            sectors--; // the end-of-stream marker: the next grain replaces it
        }
        Writes w = new Writes(redundant, sectors, h.overHead);
        w.compressor = new GrainCompressor((int) (h.grainSize * 512), VmdkCreateOptions.DEFAULT_LEVEL);
        return w;
    }

    private static boolean isZeroSector(Storage file, long offset) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(512);
        file.readFully(offset, b);
        for (int i = 0; i < 512; i++) {
            if (b.get(i) != 0) {
                return false;
            }
        }
        return true;
    }

    /** Opens an ESX sparse extent ("COWD"); {@code first} holds its header. */
    static SparseExtent openCowd(Storage file, String type, ByteBuffer first, long cacheBytes) throws IOException {
        String where = "vmdk COWD header of '" + file.name() + "'";
        CowdHeader h = CowdHeader.parse(first);
        if (h.granularity == 0) {
            throw new CorruptImageException(where, 0, "L1 entry size is invalid (grains of 0 sectors)");
        }
        checkGrain(h.granularity, where);
        long needed = ceilDiv(h.diskSectors, CowdHeader.GTES_PER_GT * h.granularity);
        if (h.gdEntries > GrainDirectory.MAX_ENTRIES) {
            throw new CorruptImageException(where, 0, "L1 size too big (" + h.gdEntries + " entries)");
        }
        GrainDirectory gd = GrainDirectory.read(file, h.gdOffset * 512, Math.min(h.gdEntries, needed),
                "vmdk grain directory of '" + file.name() + "'");
        return new SparseExtent(file, type, h.diskSectors, gd, CowdHeader.GTES_PER_GT, h.granularity, false,
                false, false, (int) (cacheBytes / (CowdHeader.GTES_PER_GT * 4)), null);
    }

    /** The footer of a stream whose header says the directory is at the end: the last three sectors. */
    private static SparseHeader footer(Storage file, long fileSize) throws IOException {
        long at = ((fileSize + 511) & ~511L) - 1536;
        if (at < 0) {
            throw new CorruptImageException("vmdk footer", 0, "Invalid footer (the file is only " + fileSize
                    + " bytes)");
        }
        ByteBuffer b = ByteBuffer.allocate(1536);
        file.readAt(at, b);
        b.clear();
        GrainMarker footerMarker = GrainMarker.parse(b.slice(0, 16));
        ByteBuffer header = b.slice(512, 512);
        GrainMarker eos = GrainMarker.parse(b.slice(1024, 16));
        if (!SparseHeader.hasMagic(header) || !footerMarker.isMetadata(GrainMarker.FOOTER)
                || !eos.isMetadata(GrainMarker.END_OF_STREAM) || eos.value() != 0) {
            throw new CorruptImageException("vmdk footer", at, "Invalid footer (expected a footer marker, a KDMV "
                    + "header and an end-of-stream marker in the last three sectors)");
        }
        return SparseHeader.parse(header);
    }

    private static void checkGrain(long grainSectors, String where) throws CorruptImageException {
        if (Long.compareUnsigned(grainSectors, MAX_GRAIN_SECTORS) > 0) {
            throw new CorruptImageException(where, 0, "Invalid granularity, image may be corrupt (grains of "
                    + Long.toUnsignedString(grainSectors) + " sectors, at most " + MAX_GRAIN_SECTORS + ")");
        }
    }

    private static long checkCapacity(long sectors, String where) throws CorruptImageException {
        if (sectors < 0 || sectors > Long.MAX_VALUE / 512) {
            throw new CorruptImageException(where, 0, "capacity " + Long.toUnsignedString(sectors)
                    + " sectors is more than a disk can hold");
        }
        return sectors;
    }

    private static long sectorOffset(long sector, String where, String what) throws CorruptImageException {
        if (sector < 0 || sector > Long.MAX_VALUE / 512) {
            throw new CorruptImageException(where, 0, "the " + what + " sector " + Long.toUnsignedString(sector)
                    + " lies past the end of the file");
        }
        return sector * 512;
    }

    private static long ceilDiv(long a, long b) {
        return a / b + (a % b == 0 ? 0 : 1);
    }

    @Override
    boolean flat() {
        return false;
    }

    @Override
    boolean compressed() {
        return compressed;
    }

    @Override
    long clusterBytes() {
        return grainSectors * 512;
    }

    @Override
    MappedRun map(long offset, long maxLen, boolean forRead) throws IOException {
        long grainBytes = grainSectors * 512;
        long tableBytes = grainBytes * gtEntries;
        long limit = Math.min(maxLen, Math.min(tableBytes - offset % tableBytes, length() - offset));
        long gdIndex = offset / tableBytes;
        if (gdIndex >= gd.size()) {
            if (forRead) {
                return new MappedRun(MappedRun.Kind.UNALLOCATED, limit, null, -1, 0);
            }
            throw new CorruptImageException(where, gd.offset, "the grain directory has no entry for offset "
                    + offset + " (" + gd.size() + " entries)");
        }
        long tableSector = gd.tableSector(gdIndex);
        if (tableSector == 0) {
            return new MappedRun(MappedRun.Kind.UNALLOCATED, limit, null, -1, 0);
        }
        GrainTable table = table(tableSector);
        int index = (int) ((offset / grainBytes) % gtEntries);
        long within = offset % grainBytes;
        long entry = table.entry(index);
        MappedRun.Kind kind = kind(entry);
        if (kind == MappedRun.Kind.COMPRESSED) {
            return new MappedRun(kind, Math.min(grainBytes - within, limit), storage, -1, entry * 512);
        }
        long host = kind == MappedRun.Kind.DATA ? entry * 512 + within : -1;
        long len = grainBytes - within;
        for (int i = index + 1; len < limit && i < table.size(); i++) {
            long e = table.entry(i);
            if (kind(e) != kind || (kind == MappedRun.Kind.DATA && e * 512 != entry * 512 + (i - index)
                    * grainBytes)) {
                break;
            }
            len += grainBytes;
        }
        return new MappedRun(kind, Math.min(len, limit), kind == MappedRun.Kind.DATA ? storage : null, host, 0);
    }

    private MappedRun.Kind kind(long entry) {
        if (entry == GrainTable.UNALLOCATED) {
            return MappedRun.Kind.UNALLOCATED;
        }
        if (zeroedGrain && entry == GrainTable.ZEROED) {
            return MappedRun.Kind.ZERO;
        }
        return compressed ? MappedRun.Kind.COMPRESSED : MappedRun.Kind.DATA;
    }

    private GrainTable table(long sector) throws IOException {
        synchronized (tables) {
            GrainTable t = writes == null ? null : writes.dirty.get(sector);
            if (t == null) {
                t = tables.get(sector);
            }
            if (t != null) {
                return t;
            }
        }
        GrainTable t = GrainTable.read(storage, sector, gtEntries, "vmdk grain table of '" + storage.name() + "'");
        synchronized (tables) {
            tables.put(sector, t);
        }
        return t;
    }

    @Override
    void readCompressed(MappedRun run, long offset, ByteBuffer dst) throws IOException {
        int grainBytes = (int) (grainSectors * 512);
        Inflated grain = inflated(run.token(), grainBytes);
        int within = (int) (offset % grainBytes);
        if (within + dst.remaining() > grain.length) {
            throw new CorruptImageException("vmdk compressed grain", run.token(), "inflates to " + grain.length
                    + " bytes, fewer than the " + (within + dst.remaining()) + " read from it");
        }
        dst.put(grain.bytes, within, dst.remaining());
    }

    /** The grain at {@code record}, inflated into this thread's buffer (kept while the next read hits it). */
    private Inflated inflated(long record, int grainBytes) throws IOException {
        Inflated last = lastGrain.get();
        if (last.record == record) {
            return last;
        }
        if (last.bytes == null || last.bytes.length != grainBytes) {
            last.bytes = new byte[grainBytes];
        }
        last.record = -1;
        last.length = GrainInflater.inflate(storage, record, markers, last.bytes);
        last.record = record;
        return last;
    }

    // ------------------------------------------------------------------------------------------ writes

    @Override
    boolean writable() {
        return writes != null;
    }

    @Override
    long writeUnit() {
        return grainSectors * 512;
    }

    /** The grain table for directory entry {@code gdIndex}, which must exist (qemu does not allocate tables either). */
    private GrainTable tableForWrite(long gdIndex, long offset) throws IOException {
        if (gdIndex >= gd.size()) {
            throw new CorruptImageException(where, gd.offset, "the grain directory has no entry for offset "
                    + offset + " (" + gd.size() + " entries)");
        }
        long sector = gd.tableSector(gdIndex);
        if (sector == 0) {
            throw new UnsupportedFeatureException("vmdk grain table allocation", where + ": the grain table for "
                    + "offset " + offset + " is not allocated (qemu and Platter write only into existing tables)");
        }
        return table(sector);
    }

    /** Data writes reach an uncompressed extent up to a grain table's end, so runs of new grains go out at once. */
    @Override
    long writeSpan() {
        return compressed ? writeUnit() : grainSectors * 512 * gtEntries;
    }

    /**
     * Writes {@code src} inside one grain table's range: runs of whole grains that are new go to the end of the
     * file in one write (qemu writes them one by one), other grains one at a time.
     */
    @Override
    void write(long offset, ByteBuffer src, GrainFill fill) throws IOException {
        long grainBytes = grainSectors * 512;
        if (compressed || offset % grainBytes + src.remaining() <= grainBytes) {
            writeGrain(offset, src, fill); // inside one grain (a compressed extent's writes always are)
            return;
        }
        ByteBuffer rest = src.duplicate();
        long pos = offset;
        long gdIndex = offset / (grainBytes * gtEntries);
        GrainTable t = tableForWrite(gdIndex, offset);
        while (rest.hasRemaining()) {
            long within = pos % grainBytes;
            int index = (int) ((pos / grainBytes) % gtEntries);
            int run = 0;
            if (within == 0) {
                while (run < rest.remaining() / grainBytes && index + run < gtEntries
                        && kind(t.entry(index + run)) != MappedRun.Kind.DATA) {
                    run++;
                }
            }
            if (run > 1) {
                long bytes = run * grainBytes;
                long sector = allocate(run * grainSectors, pos);
                storage.write(sector * 512, rest.slice(rest.position(), (int) bytes));
                for (int k = 0; k < run; k++) {
                    setEntry(t, gdIndex, index + k, sector + k * grainSectors);
                }
                rest.position(rest.position() + (int) bytes);
                pos += bytes;
                continue;
            }
            int n = (int) Math.min(rest.remaining(), grainBytes - within);
            writeGrain(pos, rest.slice(rest.position(), n), fill);
            rest.position(rest.position() + n);
            pos += n;
        }
    }

    private void writeGrain(long offset, ByteBuffer src, GrainFill fill) throws IOException {
        long grainBytes = grainSectors * 512;
        long within = offset % grainBytes;
        long gdIndex = offset / (grainBytes * gtEntries);
        int index = (int) ((offset / grainBytes) % gtEntries);
        GrainTable t = tableForWrite(gdIndex, offset);
        long entry = t.entry(index);
        MappedRun.Kind kind = kind(entry);
        if (compressed) {
            wholeGrainCheck(offset, src.remaining());
            appendRecord(writes.compressor.stored(src, offset / 512), offset, t, gdIndex, index, kind);
            return;
        }
        if (kind == MappedRun.Kind.DATA) {
            // The entry comes from the file: a write through it must land in a grain, never in the metadata.
            if (entry < writes.firstGrainSector || entry >= writes.nextSector) {
                throw new CorruptImageException("vmdk grain table of '" + storage.name() + "'", offset,
                        "the grain at offset " + offset + " points at sector " + entry + ", outside the grains ("
                                + writes.firstGrainSector + " to " + writes.nextSector + "): not written");
            }
            storage.write(entry * 512 + within, src);
            return;
        }
        long grainStart = offset - within;
        ByteBuffer grain;
        if (src.remaining() == grainBytes) {
            grain = src.duplicate(); // a whole grain: written as it is, no copy
        } else {
            grain = ByteBuffer.allocate((int) grainBytes);
            if (kind == MappedRun.Kind.UNALLOCATED) {
                fill.read(grainStart, grain.slice(0, (int) Math.min(grainBytes, length() - grainStart)));
            }
            grain.put((int) within, src.duplicate(), src.position(), src.remaining());
            grain.clear();
        }
        long sector = allocate(grainSectors, offset);
        storage.write(sector * 512, grain);
        setEntry(t, gdIndex, index, sector);
    }

    /** Stores a record made by {@link #compressGrain} at the grain at {@code offset} (a whole grain). */
    @Override
    void writeCompressed(long offset, ByteBuffer record) throws IOException {
        long grainBytes = grainSectors * 512;
        long gdIndex = offset / (grainBytes * gtEntries);
        int index = (int) ((offset / grainBytes) % gtEntries);
        GrainTable t = tableForWrite(gdIndex, offset);
        GrainMarker.putLba(record, offset / 512);
        appendRecord(record, offset, t, gdIndex, index, kind(t.entry(index)));
    }

    /** The record of one grain compressed with this extent's level, or null when it would not shrink. */
    @Override
    ByteBuffer compressGrain(ByteBuffer grain) {
        return writes.compressor.compress(grain, 0);
    }

    @Override
    void setCompressionLevel(int level) {
        writes.compressor = new GrainCompressor((int) (grainSectors * 512), level);
    }

    @Override
    void writeZeroes(long offset, long len, boolean parentBelow, GrainFill fill) throws IOException {
        long grainBytes = grainSectors * 512;
        long within = offset % grainBytes;
        long gdIndex = offset / (grainBytes * gtEntries);
        int index = (int) ((offset / grainBytes) % gtEntries);
        GrainTable t = tableForWrite(gdIndex, offset);
        MappedRun.Kind kind = kind(t.entry(index));
        boolean whole = within == 0 && (len == grainBytes || offset + len == length());
        if (kind == MappedRun.Kind.ZERO || (kind == MappedRun.Kind.UNALLOCATED && !parentBelow)) {
            return; // reads as zeros already
        }
        if (whole && zeroedGrain) {
            setEntry(t, gdIndex, index, GrainTable.ZEROED); // the old grain, if any, is left unreferenced (qemu too)
            return;
        }
        write(offset, ByteBuffer.allocate((int) len), fill);
    }

    /**
     * A whole grain is dropped from its table (its bytes stay in the file, unreferenced: VMDK cannot free them); in
     * part of a grain, what lies below is written over it.
     */
    @Override
    void discard(long offset, long len, boolean parentBelow, GrainFill fill) throws IOException {
        long grainBytes = grainSectors * 512;
        long gdIndex = offset / (grainBytes * gtEntries);
        int index = (int) ((offset / grainBytes) % gtEntries);
        GrainTable t = tableForWrite(gdIndex, offset);
        MappedRun.Kind kind = kind(t.entry(index));
        if (kind == MappedRun.Kind.UNALLOCATED || (kind == MappedRun.Kind.ZERO && !parentBelow)) {
            return;
        }
        if (offset % grainBytes == 0 && (len == grainBytes || offset + len == length())) {
            setEntry(t, gdIndex, index, GrainTable.UNALLOCATED);
            return;
        }
        if (compressed) {
            throw new UnsupportedFeatureException("partial discards in streamOptimized vmdk", where + ": part of "
                    + "a written stream-optimized grain cannot be changed (offset " + offset + ")");
        }
        ByteBuffer below = ByteBuffer.allocate((int) len);
        fill.read(offset, below);
        write(offset, below.clear(), fill);
    }

    private void wholeGrainCheck(long offset, long len) throws UnsupportedFeatureException {
        long grainBytes = grainSectors * 512;
        if (offset % grainBytes != 0 || (len != grainBytes && offset + len != length())) {
            throw new UnsupportedFeatureException("partial grain writes to streamOptimized vmdk",
                    where + ": a stream-optimized extent takes whole grains (" + grainBytes + " bytes), written "
                            + "once; " + len + " bytes at offset " + offset + " is not one");
        }
    }

    private void appendRecord(ByteBuffer record, long offset, GrainTable t, long gdIndex, int index,
                              MappedRun.Kind kind) throws IOException {
        if (kind == MappedRun.Kind.COMPRESSED) {
            throw new IOException(where + ": the grain at offset " + offset + " is already written; a "
                    + "stream-optimized grain is written once (Could not write to allocated cluster for "
                    + "streamOptimized)");
        }
        long sector = allocate(record.remaining() / 512, offset);
        storage.write(sector * 512, record.duplicate());
        writes.streamOpen = true;
        setEntry(t, gdIndex, index, sector);
    }

    /** Takes {@code count} sectors at the end of the extent file, where grain table entries can still reach. */
    private long allocate(long count, long offset) throws IOException {
        long sector = writes.nextSector;
        if (sector + count > 0xffffffffL) {
            throw new IOException(where + ": no room for the grain at offset " + offset + " (grain tables hold "
                    + "32-bit sector numbers; the extent file is full at 2 TiB)");
        }
        writes.nextSector = sector + count;
        return sector;
    }

    private void setEntry(GrainTable t, long gdIndex, int index, long value) throws IOException {
        long sector = gd.tableSector(gdIndex);
        synchronized (tables) {
            t.set(index, value);
            writes.dirty.put(sector, t);
            writes.dirtyIndex.put(sector, gdIndex);
        }
        if (writes.dirty.size() > MAX_DIRTY_TABLES) {
            writeBack(writes.barriers);
        }
    }

    /**
     * Puts the changed grain tables back (each also into the redundant directory's copy), after the grains they
     * point at are on disk: with {@code barrier}, the grains are flushed first and the tables after, so that a
     * crash leaves at most grains nobody points at. A compressed extent gets its end-of-stream marker after its
     * last grain first.
     */
    @Override
    void writeBack(boolean barrier) throws IOException {
        if (writes == null || (writes.dirty.isEmpty() && !writes.streamOpen)) {
            return;
        }
        if (writes.streamOpen) {
            storage.write(writes.nextSector * 512, GrainMarker.metadata(GrainMarker.END_OF_STREAM, 0));
            writes.streamOpen = false;
        }
        if (barrier) {
            storage.flush();
        }
        long fileSize = storage.size();
        for (Map.Entry<Long, GrainTable> e : writes.dirty.entrySet()) {
            ByteBuffer bytes = e.getValue().encode();
            storage.write(e.getKey() * 512, bytes.duplicate());
            if (writes.redundant != null) {
                long copy = writes.redundant.tableSector(writes.dirtyIndex.get(e.getKey()));
                if (copy != 0) {
                    if (copy * 512 > fileSize - bytes.remaining()) {
                        throw new CorruptImageException("vmdk redundant grain table of '" + storage.name() + "'",
                                copy * 512, "runs past the end of the file (" + fileSize + " bytes)");
                    }
                    storage.write(copy * 512, bytes.duplicate());
                }
            }
        }
        if (barrier) {
            storage.flush();
        }
        synchronized (tables) {
            // The written tables replace any copy a concurrent reader cached from disk before they changed.
            tables.putAll(writes.dirty);
            writes.dirty.clear();
            writes.dirtyIndex.clear();
        }
    }

    @Override
    void setBarriers(boolean on) {
        if (writes != null) {
            writes.barriers = on;
        }
    }

    @Override
    long checkOffset(long offset) throws IOException {
        long tableBytes = grainSectors * 512 * gtEntries;
        long gdIndex = offset / tableBytes;
        if (gdIndex >= gd.size()) {
            throw new CorruptImageException(where, gd.offset, "no grain directory entry");
        }
        long tableSector = gd.tableSector(gdIndex);
        if (tableSector == 0) {
            return -1;
        }
        long entry = table(tableSector).entry((int) ((offset / (grainSectors * 512)) % gtEntries));
        return kind(entry) == MappedRun.Kind.UNALLOCATED || kind(entry) == MappedRun.Kind.ZERO ? -1 : entry * 512;
    }
}
