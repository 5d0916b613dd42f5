package dev.platter.format.qcow2;

import dev.platter.core.image.Image;
import dev.platter.core.image.MappedRun;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The write side: allocating writes with copy-on-write from the current content (backing file, zero flags,
 * compressed or shared clusters) at cluster granularity, or subcluster granularity with extended L2; zero flags
 * instead of zero data where the format has them; discard; compressed cluster writes packed as qemu packs them.
 * Data is written at once; L2 and L1 changes stay in the metadata cache until {@link Qcow2Metadata#flushMetadata}.
 * Callers hold the image's write lock and have checked bounds.
 */
final class Qcow2Writer {
    private static final int ZERO_CHUNK = 1 << 20;

    private final Qcow2Metadata m;
    private final ClusterMapper reader;
    private final DataFile data;
    private final Supplier<Image> backing;
    private final LongSupplier size;
    private final Geometry g;

    Qcow2Writer(Qcow2Metadata m, ClusterMapper reader, DataFile data, Supplier<Image> backing, LongSupplier size) {
        this.m = m;
        this.reader = reader;
        this.data = data;
        this.backing = backing;
        this.size = size;
        this.g = m.geo;
    }

    /**
     * One contiguous piece of data to write at a host offset.
     *
     * @param srcOffset where the bytes start in the caller's buffer, or -1 for a buffer of the writer's own
     */
    private record Piece(long host, ByteBuffer bytes, int srcOffset) {
        Piece(long host, ByteBuffer bytes) {
            this(host, bytes, -1);
        }
    }

    // ---------------------------------------------------------------------------------------------- writes

    void write(long pos, ByteBuffer src) throws IOException {
        while (src.hasRemaining()) {
            long inTable = g.l2Coverage() - (pos & (g.l2Coverage() - 1));
            int n = (int) Math.min(src.remaining(), inTable);
            ByteBuffer part = src.slice(src.position(), n);
            L2Table t = l2ForWrite(g.l1Index(pos));
            if (g.extendedL2()) {
                writeExtended(t, pos, part);
            } else {
                writeStandard(t, pos, part);
            }
            src.position(src.position() + n);
            pos += n;
            writeBackIfDue();
        }
    }

    private void writeStandard(L2Table t, long pos, ByteBuffer src) throws IOException {
        int cs = g.clusterSize();
        long end = pos + src.remaining();
        int i0 = g.l2Index(pos);
        int i1 = g.l2Index(end - 1);
        int needNew = 0;
        for (int i = i0; i <= i1; i++) {
            if (!writableInPlace(t.entry(i))) {
                needNew++;
            }
        }
        long base = needNew > 0 && !data.isExternal() ? m.refcounts.allocateClusters(needNew) : 0;
        List<Piece> pieces = new ArrayList<>();
        long[] newEntries = new long[i1 - i0 + 1];
        int k = 0;
        long cStart = g.clusterStart(pos);
        for (int i = i0; i <= i1; i++, cStart += cs) {
            long wStart = Math.max(pos, cStart);
            long wEnd = Math.min(end, cStart + cs);
            ByteBuffer slice = src.slice((int) (wStart - pos), (int) (wEnd - wStart));
            long e = t.entry(i);
            if (writableInPlace(e)) {
                long host = hostOf(e, t, i);
                long at = host + (wStart - cStart);
                if (!data.isExternal()) {
                    m.checkDataWrite(at, wEnd - wStart);
                }
                pieces.add(new Piece(at, slice, (int) (wStart - pos)));
                newEntries[i - i0] = e;
                continue;
            }
            long host = data.isExternal() ? cStart : base + (long) k++ * cs;
            if (!data.isExternal()) {
                m.checkDataWrite(host, cs);
            }
            if (wStart == cStart && wEnd == cStart + cs) {
                pieces.add(new Piece(host, slice, (int) (wStart - pos)));
            } else {
                ByteBuffer buf = ByteBuffer.allocate(cs);
                reader.read(cStart, buf);
                buf.clear();
                buf.put((int) (wStart - cStart), slice, 0, slice.remaining());
                pieces.add(new Piece(host, buf));
            }
            newEntries[i - i0] = host | L2Entry.COPIED;
        }
        writePieces(pieces, src);
        for (int i = i0; i <= i1; i++) {
            long old = t.entry(i);
            long now = newEntries[i - i0];
            if (old != now) {
                release(old, 0);
                t.set(i, now);
            }
        }
        m.l2Cache.markDirty(t);
    }

    /** A standard entry whose host cluster may be overwritten in place (allocated, COPIED, not zero). */
    private boolean writableInPlace(long e) {
        return L2Entry.standardType(e, m.header.hasDataFile()) == L2Entry.Type.NORMAL && L2Entry.isCopied(e);
    }

    private void writeExtended(L2Table t, long pos, ByteBuffer src) throws IOException {
        int cs = g.clusterSize();
        int scs = g.subclusterSize();
        long end = pos + src.remaining();
        int i0 = g.l2Index(pos);
        int i1 = g.l2Index(end - 1);
        int needNew = 0;
        for (int i = i0; i <= i1; i++) {
            if (!extendedInPlace(t.entry(i))) {
                needNew++;
            }
        }
        long base = needNew > 0 && !data.isExternal() ? m.refcounts.allocateClusters(needNew) : 0;
        List<Piece> pieces = new ArrayList<>();
        long[] newEntries = new long[i1 - i0 + 1];
        long[] newBitmaps = new long[i1 - i0 + 1];
        int k = 0;
        long cStart = g.clusterStart(pos);
        for (int i = i0; i <= i1; i++, cStart += cs) {
            long wStart = Math.max(pos, cStart);
            long wEnd = Math.min(end, cStart + cs);
            int s0 = (int) ((wStart - cStart) / scs);
            int s1 = (int) ((wEnd - cStart - 1) / scs);
            long touched = ((1L << (s1 + 1)) - 1) & ~((1L << s0) - 1);
            long e = t.entry(i);
            long bm = t.bitmap(i);
            ByteBuffer slice = src.slice((int) (wStart - pos), (int) (wEnd - wStart));
            long host;
            long spanStart;
            long spanEnd;
            if (extendedInPlace(e)) {
                host = hostOf(e, t, i);
                spanStart = (long) s0 * scs;
                spanEnd = (long) (s1 + 1) * scs;
                newEntries[i - i0] = e;
            } else {
                host = data.isExternal() ? cStart : base + (long) k++ * cs;
                boolean keepOld = L2Entry.isCompressed(e) || (L2Entry.hostOffset(e) != 0 && (bm & 0xffffffffL) != 0);
                spanStart = keepOld ? 0 : (long) s0 * scs;
                spanEnd = keepOld ? cs : (long) (s1 + 1) * scs;
                newEntries[i - i0] = host | L2Entry.COPIED;
                if (L2Entry.isCompressed(e)) {
                    bm = L2Entry.ALL_ALLOCATED; // the whole cluster is rewritten from the decompressed data
                }
            }
            if (!data.isExternal()) {
                m.checkDataWrite(host + spanStart, spanEnd - spanStart);
            }
            if (wStart - cStart == spanStart && wEnd - cStart == spanEnd) {
                pieces.add(new Piece(host + spanStart, slice, (int) (wStart - pos)));
            } else {
                ByteBuffer buf = ByteBuffer.allocate((int) (spanEnd - spanStart));
                reader.read(cStart + spanStart, buf);
                buf.clear();
                buf.put((int) (wStart - cStart - spanStart), slice, 0, slice.remaining());
                pieces.add(new Piece(host + spanStart, buf));
            }
            newBitmaps[i - i0] = (bm | touched) & ~(touched << 32);
        }
        writePieces(pieces, src);
        for (int i = i0; i <= i1; i++) {
            long old = t.entry(i);
            if (old != newEntries[i - i0]) {
                release(old, t.bitmap(i));
            }
            t.set(i, newEntries[i - i0], newBitmaps[i - i0]);
        }
        m.l2Cache.markDirty(t);
    }

    /** An extended entry whose host cluster may be written in place. */
    private boolean extendedInPlace(long e) {
        return !L2Entry.isCompressed(e) && L2Entry.isCopied(e)
                && (L2Entry.hostOffset(e) != 0 || m.header.hasDataFile());
    }

    private long hostOf(long e, L2Table t, int i) throws IOException {
        long host = L2Entry.hostOffset(e);
        if (g.offsetInCluster(host) != 0) {
            throw m.corruption("qcow2 L2 table", t.offset + (long) i * g.l2EntryBytes(),
                    "Cluster allocation offset 0x" + Long.toHexString(host) + " unaligned (L2 offset: 0x"
                            + Long.toHexString(t.offset) + ", L2 index: 0x" + Integer.toHexString(i) + ")");
        }
        return host;
    }

    /**
     * Writes the pieces, joining neighbours that continue each other both in the file and in the caller's buffer
     * into one write (a large write to newly allocated, contiguous clusters goes out as one request).
     */
    private void writePieces(List<Piece> pieces, ByteBuffer src) throws IOException {
        var storage = data.storage();
        int i = 0;
        while (i < pieces.size()) {
            Piece p = pieces.get(i);
            int j = i + 1;
            long length = p.bytes.remaining();
            while (j < pieces.size() && p.srcOffset >= 0 && pieces.get(j).srcOffset == p.srcOffset + length
                    && pieces.get(j).host == p.host + length) {
                length += pieces.get(j).bytes.remaining();
                j++;
            }
            ByteBuffer b = j > i + 1 ? src.slice(p.srcOffset, (int) length) : p.bytes.duplicate();
            storage.write(p.host, b);
            i = j;
        }
    }

    /** Drops this layer's reference to the host storage of an entry that is being replaced. */
    private void release(long entry, long bitmap) {
        if (entry == 0) {
            return;
        }
        if (L2Entry.isCompressed(entry)) {
            CompressedDescriptor d = CompressedDescriptor.decode(entry, g.clusterBits());
            m.refcounts.freeLater(d.hostOffset(), d.availableBytes());
            m.compressedGeneration++;
            return;
        }
        long host = L2Entry.hostOffset(entry);
        if (host != 0 && !data.isExternal()) {
            m.refcounts.freeLater(host, g.clusterSize());
        }
    }

    // ------------------------------------------------------------------------------------------ compressed

    void writeCompressed(long virtualOffset, ByteBuffer payload) throws IOException {
        int len = payload.remaining();
        L2Table t = l2ForWrite(g.l1Index(virtualOffset));
        int i = g.l2Index(virtualOffset);
        long host = m.refcounts.allocateBytes(len);
        if (host > CompressedDescriptor.maxHostOffset(g.clusterBits())) {
            throw new IOException(m.name + ": compressed data cannot be stored beyond offset 0x"
                    + Long.toHexString(CompressedDescriptor.maxHostOffset(g.clusterBits())));
        }
        m.checkDataWrite(host, len);
        m.file.write(host, payload.duplicate());
        long old = t.entry(i);
        release(old, t.bitmap(i));
        t.set(i, CompressedDescriptor.encode(host, len, g.clusterBits()), 0);
        m.compressedGeneration++;
        m.l2Cache.markDirty(t);
        writeBackIfDue();
    }

    // --------------------------------------------------------------------------------------- zero, discard

    /** Makes [pos, pos + len) read as zeros: zero flags where whole (sub)clusters are covered. */
    void writeZeroes(long pos, long len) throws IOException {
        zeroOrDiscard(pos, len, false);
    }

    /** Deallocates whole (sub)clusters of [pos, pos + len) (the backing file shows through); zeroes the rest. */
    void discard(long pos, long len) throws IOException {
        zeroOrDiscard(pos, len, true);
    }

    private void zeroOrDiscard(long pos, long len, boolean discard) throws IOException {
        long unit = g.subclusterSize();
        long end = pos + len;
        long alignedStart = Math.min(end, (pos + unit - 1) / unit * unit);
        // The last unit may be cut by the end of the disk: then it counts as whole (as in qemu).
        long alignedEnd = end == size.getAsLong() ? end : end / unit * unit;
        if (alignedEnd < alignedStart) {
            alignedEnd = alignedStart;
        }
        if (alignedStart > pos) {
            zeroPartial(pos, alignedStart - pos);
        }
        if (alignedEnd > alignedStart) {
            long p = alignedStart;
            while (p < alignedEnd) {
                long inTable = g.l2Coverage() - (p & (g.l2Coverage() - 1));
                long n = Math.min(alignedEnd - p, inTable);
                unitsInTable(p, n, discard);
                p += n;
                writeBackIfDue();
            }
        }
        if (end > alignedEnd && alignedEnd >= alignedStart) {
            zeroPartial(alignedEnd, end - alignedEnd);
        }
    }

    /** Writes zeros over part of a unit, unless it already reads as zeros. */
    private void zeroPartial(long pos, long len) throws IOException {
        MappedRun run = reader.lookup(pos, len);
        boolean zero = switch (run.kind()) {
            case ZERO -> true;
            case UNALLOCATED -> !backingCovers(pos);
            default -> false;
        };
        if (zero && run.length() >= len) {
            return;
        }
        writeZeroData(pos, len);
    }

    private void writeZeroData(long pos, long len) throws IOException {
        ByteBuffer zeros = ByteBuffer.allocate((int) Math.min(len, ZERO_CHUNK));
        while (len > 0) {
            int n = (int) Math.min(len, zeros.capacity());
            write(pos, zeros.clear().limit(n));
            pos += n;
            len -= n;
        }
    }

    private boolean backingCovers(long pos) {
        Image b = backing.get();
        return b != null && pos < b.size();
    }

    /** Zeroes or discards whole units (clusters, or subclusters) of [pos, pos + n) inside one L2 table. */
    private void unitsInTable(long pos, long n, boolean discard) throws IOException {
        long l1Index = g.l1Index(pos);
        long l2Offset = L2Entry.l1Offset(m.l1.get(l1Index));
        if (l2Offset == 0 && (discard || !backingCovers(pos))) {
            punchRawData(pos, n);
            return; // unallocated already: reads as zeros, or is what a discard wants
        }
        L2Table t = l2ForWrite(l1Index);
        int cs = g.clusterSize();
        int scs = g.subclusterSize();
        long end = pos + n;
        for (long p = pos; p < end; ) {
            long cStart = g.clusterStart(p);
            long cEnd = Math.min(end, cStart + cs);
            int i = g.l2Index(p);
            long e = t.entry(i);
            boolean backedHere = backingCovers(cStart);
            if (!g.extendedL2()) {
                L2Entry.Type type = L2Entry.standardType(e, m.header.hasDataFile());
                long now;
                if (discard) {
                    now = 0;
                } else if (m.header.version >= 3) {
                    now = type == L2Entry.Type.ZERO_PLAIN || type == L2Entry.Type.UNALLOCATED && !backedHere
                            ? e : L2Entry.ZERO;
                } else if (backedHere) {
                    writeZeroData(p, cEnd - p); // v2 has no zero flag: hide the backing file with real zeros
                    p = cEnd;
                    continue;
                } else {
                    now = 0; // v2 without backing data here: unallocated reads as zeros
                }
                if (now != e) {
                    release(e, 0);
                    t.set(i, now);
                }
            } else {
                long bm = t.bitmap(i);
                int s0 = (int) ((p - cStart) / scs);
                int s1 = (int) ((cEnd - cStart + scs - 1) / scs) - 1;
                long units = ((1L << (s1 + 1)) - 1) & ~((1L << s0) - 1);
                if (L2Entry.isCompressed(e)) {
                    if (units != L2Entry.ALL_ALLOCATED) {
                        writeZeroData(p, cEnd - p); // no subclusters in a compressed cluster: rewrite it
                        p = cEnd;
                        continue;
                    }
                    release(e, bm);
                    t.set(i, 0, discard ? 0 : L2Entry.ALL_ZERO);
                    p = cEnd;
                    continue;
                }
                long nbm = bm & ~units & ~(units << 32);
                if (!discard && (backedHere || (bm & (units | units << 32)) != 0)) {
                    nbm |= units << 32;
                }
                long ne = e;
                if ((nbm & L2Entry.ALL_ALLOCATED) == 0 && (L2Entry.hostOffset(e) != 0 || L2Entry.isCopied(e))) {
                    ne = 0; // no subcluster uses the host cluster any more
                }
                if (ne != e) {
                    release(e, bm);
                }
                t.set(i, ne, nbm);
            }
            p = cEnd;
        }
        punchRawData(pos, n);
        m.l2Cache.markDirty(t);
    }

    /** With a raw external data file the data file itself must read as zeros too. */
    private void punchRawData(long pos, long n) throws IOException {
        if (data.isExternal() && m.header.dataFileRaw()) {
            data.storage().punchHole(pos, n);
        }
    }

    // ------------------------------------------------------------------------------------------------ L2

    /** The L2 table for {@code l1Index}, allocated or copied (if shared) so that it may be changed. */
    L2Table l2ForWrite(long l1Index) throws IOException {
        int cs = g.clusterSize();
        int idx = (int) l1Index;
        long e = m.l1.get(l1Index);
        long off = L2Entry.l1Offset(e);
        if (off == 0) {
            long newOff = m.refcounts.allocateClusters(1);
            L2Table t = L2Table.empty(newOff, cs, g.extendedL2());
            m.l2Cache.putNew(t);
            m.l2Cache.markDirty(t);
            m.l1.set(idx, newOff | L2Entry.COPIED);
            m.ranges.add(newOff, cs, MetadataRanges.Kind.ACTIVE_L2);
            return t;
        }
        L2Table t = m.loadL2(off, l1Index);
        MetadataRanges.Range r = m.ranges.overlap(off, cs);
        if (r != null && r.kind() != MetadataRanges.Kind.ACTIVE_L2) {
            throw m.corruption("qcow2 L1 table", m.l1.offset() + l1Index * 8, "L2 table 0x"
                    + Long.toHexString(off) + " overlaps the " + r.kind().name().toLowerCase(java.util.Locale.ROOT));
        }
        if (L2Entry.isCopied(e)) {
            return t;
        }
        long newOff = m.refcounts.allocateClusters(1);
        L2Table copy = t.copyTo(newOff);
        m.l2Cache.putNew(copy);
        m.l2Cache.markDirty(copy);
        m.l1.set(idx, newOff | L2Entry.COPIED);
        m.ranges.remove(off);
        m.ranges.add(newOff, cs, MetadataRanges.Kind.ACTIVE_L2);
        m.refcounts.freeLater(off, cs);
        return copy;
    }

    private void writeBackIfDue() throws IOException {
        if (m.writeBackDue()) {
            m.flushMetadata();
        }
    }
}
