package dev.platter.format.qcow2;

import dev.platter.core.image.ImageCheck;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * qemu-img check for qcow2: counts every reference to every host cluster by walking the header, the active and
 * snapshot L1/L2 trees, the snapshot table, the refcount table and blocks and the bitmaps; compares the counts
 * with the stored refcounts (leaks, corruptions); checks the COPIED flags of the active tables; and repairs what
 * the mode allows, rebuilding the whole refcount structure when it cannot be patched. Messages, counters and
 * order follow qemu 7.2 ({@code block/qcow2-refcount.c}).
 */
final class Qcow2Checker {
    private final Bitmaps bitmaps;
    private final Qcow2Metadata m;
    private final List<String> messages = new ArrayList<>();
    private final boolean fixLeaks;
    private final boolean fixErrors;
    private Counters c = new Counters();
    private ReferenceCounts counts;
    private boolean rebuild;
    private long fileSize;
    private String failure;

    /** qemu's BdrvCheckResult. */
    static final class Counters implements Cloneable {
        long checkErrors;
        long corruptions;
        long leaks;
        long corruptionsFixed;
        long leaksFixed;
        long totalClusters;
        long allocatedClusters;
        long fragmentedClusters;
        long compressedClusters;
        long highestCluster;

        @Override
        protected Counters clone() {
            try {
                return (Counters) super.clone();
            } catch (CloneNotSupportedException e) {
                throw new AssertionError(e);
            }
        }
    }

    private Qcow2Checker(Qcow2Metadata m, Bitmaps bitmaps, ImageCheck.Repair repair) {
        this.m = m;
        this.bitmaps = bitmaps;
        this.fixLeaks = repair != ImageCheck.Repair.NONE;
        this.fixErrors = repair == ImageCheck.Repair.ALL;
    }

    /** Runs one check pass over an open image (read-write when repairing); the caller holds the write lock. */
    static ImageCheck check(Qcow2Metadata m, Bitmaps bitmaps, ImageCheck.Repair repair) throws IOException {
        Qcow2Checker k = new Qcow2Checker(m, bitmaps, repair);
        k.run();
        Counters r = k.c;
        return new ImageCheck(m.file.name(), Qcow2Format.NAME, r.checkErrors,
                k.failure == null ? (r.highestCluster + 1) * k.m.geo.clusterSize() : 0, r.corruptions, r.leaks,
                r.corruptionsFixed, r.leaksFixed, r.totalClusters, r.allocatedClusters, r.fragmentedClusters,
                r.compressedClusters, k.messages, k.failure);
    }

    /** The references every cluster has (no checks reported), for rebuilding the refcount structure. */
    static ReferenceCounts countReferences(Qcow2Metadata m, Bitmaps bitmaps) throws IOException {
        Qcow2Checker k = new Qcow2Checker(m, bitmaps, ImageCheck.Repair.NONE);
        k.fileSize = k.m.file.size();
        k.calculate(false);
        return k.counts;
    }

    private void run() throws IOException {
        if (fixLeaks) {
            m.flushMetadata();
        }
        fileSize = m.file.size();
        c.totalClusters = m.geo.clustersFor(m.header.size);
        {
            calculate(fixErrors);
            Counters pre = c.clone();
            compare(false, false);
            if (rebuild && fixErrors) {
                Counters old = c.clone();
                messages.add("Rebuilding refcount structure");
                rebuildStructure();
                c.corruptions = 0;
                c.leaks = 0;
                rebuild = false;
                calculate(false);
                long freshLeaks = 0;
                if (fixLeaks) {
                    Counters saved = c.clone();
                    c = new Counters();
                    compare(true, false);
                    if (rebuild) {
                        messages.add("ERROR rebuilt refcount structure is still broken");
                    }
                    freshLeaks = c.leaks;
                    long highest = c.highestCluster;
                    c = saved;
                    c.highestCluster = highest;
                }
                if (c.corruptions < old.corruptions) {
                    c.corruptionsFixed += old.corruptions - c.corruptions;
                }
                if (c.leaks < old.leaks) {
                    c.leaksFixed += old.leaks - c.leaks;
                }
                c.leaks += freshLeaks;
            } else if (fixLeaks) {
                if (rebuild) {
                    messages.add("ERROR need to rebuild refcount structures");
                    c.checkErrors++;
                    failure = "Input/output error";
                    return;
                }
                if (c.leaks != 0 || c.corruptions != 0) {
                    c = pre;
                    compare(fixLeaks, fixErrors);
                }
            }
            checkCopiedFlags();
        }
        if (fixLeaks) {
            m.flushMetadata();
            if (c.checkErrors == 0 && c.corruptions == 0) {
                long before = m.header.incompatible;
                m.header.incompatible &= ~(Qcow2Header.INCOMPAT_DIRTY | Qcow2Header.INCOMPAT_CORRUPT);
                if (before != m.header.incompatible) {
                    m.barrier();
                    m.writeHeaderFields(Qcow2Header.INCOMPATIBLE_OFFSET,
                            ByteBuffer.allocate(8).putLong(m.header.incompatible).array());
                }
            }
            m.file.flush();
        }
    }

    // ------------------------------------------------------------------------------------------ counting

    /** Counts every reference (qemu's calculate_refcounts). */
    private void calculate(boolean fix) throws IOException {
        int cs = m.geo.clusterSize();
        fileSize = m.file.size();
        counts = new ReferenceCounts(m.geo.clustersFor(fileSize));
        inc(0, cs);
        checkL1(m.l1.offset(), m.l1.size(), true);
        for (SnapshotEntry s : m.snapshots) {
            checkL1(s.l1TableOffset(), s.l1Size(), false);
        }
        if (!m.snapshots.isEmpty()) {
            inc(m.header.snapshotsOffset, Qcow2Metadata.snapshotTableBytes(m.snapshots));
        }
        inc(m.refcounts.tableOffset(), (long) m.refcounts.tableClusters() * cs);
        long[] crypto = m.header.cryptoArea();
        if (crypto != null) {
            inc(crypto[0], crypto[1]);
        }
        countBitmaps();
        checkRefcountBlocks(fix);
    }

    /** Adds one reference to every cluster of [offset, offset + size) (qemu's qcow2_inc_refcounts_imrt). */
    private void inc(long offset, long size) {
        if (size <= 0) {
            return;
        }
        int cs = m.geo.clusterSize();
        if (offset < 0 || offset + size < 0 || offset + size - fileSize >= cs) {
            messages.add("ERROR: counting reference for region exceeding the end of the file by one cluster or "
                    + "more: offset 0x" + Long.toHexString(offset) + " size 0x" + Long.toHexString(size));
            c.corruptions++;
            return;
        }
        long first = offset >>> m.geo.clusterBits();
        long last = (offset + size - 1) >>> m.geo.clusterBits();
        for (long k = first; k <= last; k++) {
            long v = counts.get(k);
            if (v >= m.geo.refcountMax()) {
                messages.add("ERROR: overflow cluster offset=0x" + Long.toHexString(k << m.geo.clusterBits()));
                messages.add("Use qemu-img amend to increase the refcount entry width or qemu-img convert to "
                        + "create a clean copy if the image cannot be opened for writing");
                c.corruptions++;
                continue;
            }
            counts.set(k, v + 1);
        }
    }

    private void checkL1(long l1Offset, int l1Size, boolean active) throws IOException {
        inc(l1Offset, (long) l1Size * 8);
        if (l1Size == 0) {
            return;
        }
        long[] l1 = new long[l1Size];
        ByteBuffer b = ByteBuffer.allocate(l1Size * 8);
        m.file.readAt(l1Offset, b); // past the end of the file: zeros, as qemu reads
        b.clear();
        b.asLongBuffer().get(l1);
        int cs = m.geo.clusterSize();
        for (int i = 0; i < l1Size; i++) {
            long e = l1[i];
            if (e == 0) {
                continue;
            }
            if ((e & L2Entry.L1_RESERVED) != 0) {
                messages.add("ERROR found L1 entry with reserved bits set: " + Long.toHexString(e));
                c.corruptions++;
            }
            long l2 = L2Entry.l1Offset(e);
            if (l2 == 0) {
                continue;
            }
            inc(l2, cs);
            if (m.geo.offsetInCluster(l2) != 0) {
                messages.add("ERROR l2_offset=" + Long.toHexString(l2)
                        + ": Table is not cluster aligned; L1 entry corrupted");
                c.corruptions++;
            }
            checkL2(l2, active);
        }
    }

    private void checkL2(long l2Offset, boolean active) throws IOException {
        int cs = m.geo.clusterSize();
        ByteBuffer b = ByteBuffer.allocate(cs);
        if (l2Offset >= fileSize) {
            return; // reads as an empty table
        }
        m.file.readAt(l2Offset, b);
        b.clear();
        L2Table t = L2Table.parse(l2Offset, b, m.geo.extendedL2());
        boolean ext = m.geo.extendedL2();
        boolean dataFile = m.header.hasDataFile();
        long nextContiguous = 0;
        for (int i = 0; i < t.entries(); i++) {
            long e = t.entry(i);
            long bm = t.bitmap(i);
            if (L2Entry.isCompressed(e)) {
                if (L2Entry.isCopied(e)) {
                    messages.add("ERROR: coffset=0x" + Long.toHexString(e & ((1L
                            << CompressedDescriptor.offsetBits(m.geo.clusterBits())) - 1))
                            + ": copied flag must never be set for compressed clusters");
                    e &= ~L2Entry.COPIED;
                    c.corruptions++;
                }
                if (dataFile) {
                    messages.add("ERROR compressed cluster " + i + " with data file, entry=0x" + Long.toHexString(e));
                    c.corruptions++;
                    continue;
                }
                if (bm != 0) {
                    messages.add("ERROR compressed cluster " + i
                            + " with non-zero subcluster allocation bitmap, entry=0x" + Long.toHexString(e));
                    c.corruptions++;
                    continue;
                }
                CompressedDescriptor d = CompressedDescriptor.decode(e, m.geo.clusterBits());
                inc(d.hostOffset(), d.availableBytes());
                if (active) {
                    c.allocatedClusters++;
                    c.compressedClusters++;
                    c.fragmentedClusters++;
                }
                continue;
            }
            if ((e & L2Entry.STANDARD_RESERVED) != 0) {
                messages.add("ERROR found L2 entry with reserved bits set: " + Long.toHexString(e));
                c.corruptions++;
            }
            long offset = L2Entry.hostOffset(e);
            boolean zeroFlag = !ext && (e & L2Entry.ZERO) != 0;
            boolean allocated = offset != 0 || (dataFile && L2Entry.isCopied(e));
            if (allocated) {
                if (ext && ((bm >>> 32) & bm) != 0) {
                    messages.add("ERROR offset=" + Long.toHexString(offset)
                            + ": Allocated cluster has corrupted subcluster allocation bitmap");
                    c.corruptions++;
                }
                if (m.geo.offsetInCluster(offset) != 0) {
                    c.corruptions++;
                    boolean containsData = ext ? (bm & L2Entry.ALL_ALLOCATED) != 0 : !zeroFlag;
                    messages.add(containsData
                            ? "ERROR offset=" + Long.toHexString(offset)
                            + ": Data cluster is not properly aligned; L2 entry corrupted."
                            : "ERROR offset=" + Long.toHexString(offset)
                            + ": Preallocated cluster is not properly aligned; L2 entry corrupted.");
                }
                if (active) {
                    c.allocatedClusters++;
                    if (nextContiguous != 0 && offset != nextContiguous) {
                        c.fragmentedClusters++;
                    }
                    nextContiguous = offset + cs;
                }
                if (!dataFile) {
                    inc(offset, cs);
                }
            } else if (ext && (bm & L2Entry.ALL_ALLOCATED) != 0) {
                messages.add("ERROR: Unallocated cluster has non-zero subcluster allocation map");
                c.corruptions++;
            }
        }
    }

    private void countBitmaps() throws IOException {
        Bitmaps b = bitmaps;
        if (!b.consistent()) {
            return;
        }
        BitmapsExtension ext = m.header.bitmaps;
        inc(ext.directoryOffset(), ext.directorySize());
        for (BitmapDirectoryEntry e : b.directory()) {
            inc(e.tableOffset(), (long) e.tableSize() * 8);
            if (e.tableSize() == 0) {
                continue;
            }
            long[] table;
            try {
                table = m.readLongs(e.tableOffset(), e.tableSize(), "qcow2 bitmap table", fileSize);
            } catch (IOException ex) {
                c.corruptions++;
                break;
            }
            for (long entry : table) {
                long off = entry & L2Entry.OFFSET_MASK;
                if ((entry & ~L2Entry.OFFSET_MASK & ~1L) != 0 || (off != 0 && (entry & 1) != 0)
                        || m.geo.offsetInCluster(off) != 0) {
                    c.corruptions++;
                    continue;
                }
                if (off != 0) {
                    inc(off, m.geo.clusterSize());
                }
            }
        }
    }

    /** Counts the refcount blocks and checks where they are (qemu's check_refblocks). */
    private void checkRefcountBlocks(boolean fix) throws IOException {
        long[] table = m.refcounts.table();
        int cs = m.geo.clusterSize();
        for (int i = 0; i < table.length; i++) {
            long offset = table[i] & ~0x1ffL;
            long cluster = offset >>> m.geo.clusterBits();
            if (m.geo.offsetInCluster(offset) != 0) {
                messages.add("ERROR refcount block " + i + " is not cluster aligned; refcount table entry corrupted");
                c.corruptions++;
                rebuild = true;
                continue;
            }
            if (cluster >= counts.size()) {
                messages.add((fix ? "Repairing" : "ERROR") + " refcount block " + i + " is outside image");
                if (fix && (offset < 0 || offset > L2Entry.OFFSET_MASK)) {
                    c.corruptions++;
                    rebuild = true;
                    messages.add("ERROR could not resize image: Invalid argument");
                } else if (fix) {
                    m.file.setSize(offset + cs);
                    fileSize = m.file.size();
                    counts.ensureSize(m.geo.clustersFor(fileSize));
                    c.corruptionsFixed++;
                    inc(offset, cs);
                } else {
                    c.corruptions++;
                }
                continue;
            }
            if (offset != 0) {
                inc(offset, cs);
                if (counts.get(cluster) != 1) {
                    messages.add("ERROR refcount block " + i + " refcount=" + counts.get(cluster));
                    c.corruptions++;
                    rebuild = true;
                }
            }
        }
    }

    // ---------------------------------------------------------------------------------------- comparing

    /** Compares stored and counted refcounts (qemu's compare_refcounts), repairing as allowed. */
    private void compare(boolean leaksFix, boolean errorsFix) throws IOException {
        c.highestCluster = 0;
        for (long i = 0; i < counts.size(); i++) {
            long stored;
            try {
                stored = m.refcounts.getForCheck(i);
            } catch (IOException e) {
                messages.add("Can't get refcount for cluster " + i + ": Input/output error");
                c.checkErrors++;
                continue;
            }
            long counted = counts.get(i);
            if (stored > 0 || counted > 0) {
                c.highestCluster = i;
            }
            if (stored == counted) {
                continue;
            }
            boolean fixIt = false;
            boolean corruption = stored < counted;
            if (stored == 0) {
                rebuild = true;
            } else if (stored > counted && leaksFix) {
                fixIt = true;
            } else if (stored < counted && errorsFix) {
                fixIt = true;
            }
            messages.add((fixIt ? "Repairing" : corruption ? "ERROR" : "Leaked") + " cluster " + i + " refcount="
                    + stored + " reference=" + counted);
            if (fixIt) {
                try {
                    m.refcounts.setRefcount(i, counted);
                    if (corruption) {
                        c.corruptionsFixed++;
                    } else {
                        c.leaksFixed++;
                    }
                    continue;
                } catch (IOException e) {
                    // fall through: count it as not fixed
                }
            }
            if (corruption) {
                c.corruptions++;
            } else {
                c.leaks++;
            }
        }
    }

    /** Checks (and with -r all repairs) the COPIED flags of the active L1 and L2 tables. */
    private void checkCopiedFlags() throws IOException {
        int cs = m.geo.clusterSize();
        boolean ext = m.geo.extendedL2();
        for (int i = 0; i < m.l1.size(); i++) {
            long l1e = m.l1.get(i);
            long l2 = L2Entry.l1Offset(l1e);
            if (l2 == 0) {
                continue;
            }
            long refcount;
            try {
                refcount = m.refcounts.getForCheck(l2 >>> m.geo.clusterBits());
            } catch (IOException e) {
                continue;
            }
            if ((refcount == 1) != L2Entry.isCopied(l1e)) {
                messages.add((fixErrors ? "Repairing" : "ERROR") + " OFLAG_COPIED L2 cluster: l1_index=" + i
                        + " l1_entry=" + Long.toHexString(l1e) + " refcount=" + refcount);
                if (fixErrors) {
                    m.l1.set(i, refcount == 1 ? l1e | L2Entry.COPIED : l1e & ~L2Entry.COPIED);
                    c.corruptionsFixed++;
                } else {
                    c.corruptions++;
                }
            }
            if (l2 >= fileSize || m.geo.offsetInCluster(l2) != 0) {
                continue;
            }
            ByteBuffer b = ByteBuffer.allocate(cs);
            m.file.readAt(l2, b);
            b.clear();
            L2Table t = L2Table.parse(l2, b, ext);
            boolean dirty = false;
            for (int j = 0; j < t.entries(); j++) {
                long e = t.entry(j);
                if (L2Entry.isCompressed(e)) {
                    continue;
                }
                long data = L2Entry.hostOffset(e);
                boolean allocated = data != 0 || (m.header.hasDataFile() && L2Entry.isCopied(e));
                if (!allocated) {
                    continue;
                }
                long rc;
                if (m.header.hasDataFile()) {
                    rc = 1;
                } else {
                    try {
                        rc = m.refcounts.getForCheck(data >>> m.geo.clusterBits());
                    } catch (IOException ex) {
                        continue;
                    }
                }
                if ((rc == 1) != L2Entry.isCopied(e)) {
                    messages.add((fixErrors ? "Repairing" : "ERROR") + " OFLAG_COPIED data cluster: l2_entry="
                            + Long.toHexString(e) + " refcount=" + rc);
                    if (fixErrors) {
                        t.set(j, rc == 1 ? e | L2Entry.COPIED : e & ~L2Entry.COPIED, t.bitmap(j));
                        dirty = true;
                        c.corruptionsFixed++;
                    } else {
                        c.corruptions++;
                    }
                }
            }
            if (dirty) {
                m.file.write(l2, ByteBuffer.wrap(t.toBytes()));
                m.l2Cache.remove(l2);
            }
        }
        if (fixErrors) {
            m.flushMetadata();
        }
    }

    // ----------------------------------------------------------------------------------------- rebuild

    /** Writes a new refcount structure from the counted references, then switches the header to it. */
    private void rebuildStructure() throws IOException {
        RefcountRebuild.write(m, counts, m.geo.refcountOrder());
    }
}
