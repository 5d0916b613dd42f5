package dev.platter.format.qcow2;

import dev.platter.core.Sizes;
import dev.platter.core.image.Image;
import dev.platter.core.image.ImageCheck;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.function.Supplier;
import java.util.Set;

/**
 * qemu-img amend for qcow2: compat upgrade (0.10 to 1.1) and downgrade (zero clusters expanded, lazy refcounts
 * and the dirty bit cleared), lazy_refcounts on/off, refcount_bits (the refcount structure is rebuilt at the new
 * width), the data file name, and size. Options that only make sense at creation are refused with qemu's message.
 * Order as qemu: upgrade first, downgrade last.
 */
final class Amend {
    private static final Set<String> CREATION_ONLY = Set.of("cluster_size", "extended_l2", "compression_type",
            "preallocation", "encryption", "encrypt.format", "encrypt.key-secret", "encrypt.cipher-alg",
            "encrypt.cipher-mode", "encrypt.ivgen-alg", "encrypt.ivgen-hash-alg", "encrypt.hash-alg");

    private Amend() {
    }

    /**
     * Applies {@code options} to the image whose metadata is {@code m}; the caller holds the image's write lock.
     *
     * @param backing the image's open backing file, or null
     */
    static void amend(Qcow2Metadata m, Qcow2Writer writer, DataFile data, Bitmaps bitmaps, Supplier<Image> backing,
                      Map<String, String> options) throws IOException {
        Qcow2Header h = m.header;
        for (String key : options.keySet()) {
            if (CREATION_ONLY.contains(key)) {
                throw new IllegalArgumentException("Invalid parameter '" + key + "'\n"
                        + "This option is only supported for image creation");
            }
            if (!Qcow2CreateOptions.KNOWN.contains(key)) {
                throw new IllegalArgumentException("Invalid parameter '" + key + "'");
            }
        }
        int oldVersion = h.version;
        int newVersion = oldVersion;
        String compat = options.get("compat");
        if (compat != null) {
            newVersion = switch (compat) {
                case "0.10", "v2" -> 2;
                case "1.1", "v3" -> 3;
                default -> throw new IllegalArgumentException("Unknown compatibility level " + compat);
            };
        }
        boolean lazy = h.lazyRefcounts();
        if (options.containsKey("lazy_refcounts")) {
            Boolean b = Qcow2CreateOptions.parseBool(options.get("lazy_refcounts"));
            if (b == null) {
                throw new IllegalArgumentException("Parameter 'lazy_refcounts' expects 'on' or 'off'");
            }
            lazy = b;
        }
        int refcountBits = m.geo.refcountBits();
        if (options.containsKey("refcount_bits")) {
            try {
                refcountBits = Integer.parseInt(options.get("refcount_bits"));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("Parameter 'refcount_bits' expects a number");
            }
        }
        String backingFile = options.get("backing_file");
        String backingFormat = options.get("backing_fmt");
        if ((backingFile != null && !backingFile.equals(h.backingFile))
                || (backingFormat != null && !backingFormat.equals(h.backingFormat))) {
            throw new IllegalArgumentException("Cannot amend the backing file\n"
                    + "You can use 'qemu-img rebase' instead.");
        }
        String dataFile = options.get("data_file");
        if (dataFile != null && !h.hasDataFile()) {
            throw new IllegalArgumentException("data-file can only be set for images that use an external data file");
        }
        if (options.containsKey("data_file_raw")) {
            Boolean raw = Qcow2CreateOptions.parseBool(options.get("data_file_raw"));
            if (raw == null) {
                throw new IllegalArgumentException("Parameter 'data_file_raw' expects 'on' or 'off'");
            }
            if (raw && !h.dataFileRaw()) {
                throw new IllegalArgumentException("data-file-raw cannot be set on existing images");
            }
        }
        long newSize = options.containsKey("size") ? Sizes.parse(options.get("size")) : 0;

        if (newVersion > oldVersion) {
            upgrade(m);
        }
        if (dataFile != null) {
            h.dataFile = dataFile;
            m.writeHeader();
            m.barrier();
        }
        if (lazy != h.lazyRefcounts()) {
            if (lazy) {
                if (newVersion < 3) {
                    throw new IllegalArgumentException("Lazy refcounts only supported with compatibility level 1.1 "
                            + "and above (use compat=1.1 or greater)");
                }
                h.compatible |= Qcow2Header.COMPAT_LAZY_REFCOUNTS;
            } else {
                m.flushMetadata();
                m.markClean();
                h.compatible &= ~Qcow2Header.COMPAT_LAZY_REFCOUNTS;
            }
            m.writeHeader();
            m.barrier();
        }
        if (refcountBits != m.geo.refcountBits()) {
            if (refcountBits <= 0 || refcountBits > 64 || Integer.bitCount(refcountBits) != 1) {
                throw new IllegalArgumentException("Refcount width must be a power of two and may not exceed 64 "
                        + "bits");
            }
            if (newVersion < 3 && refcountBits != 16) {
                throw new IllegalArgumentException("Refcount widths other than 16 bits require compatibility level "
                        + "1.1 or above (use compat=1.1 or greater)");
            }
            changeRefcountWidth(m, bitmaps, Integer.numberOfTrailingZeros(refcountBits));
        }
        if (newSize != 0 && newSize != h.size) {
            Resize.resize(m, writer, data, bitmaps, backing, newSize, true);
        }
        if (newVersion < oldVersion) {
            downgrade(m, bitmaps, backing.get() != null);
        }
    }

    /** 0.10 to 1.1: a v3 header (feature table included); snapshots get the extra data v3 requires. */
    private static void upgrade(Qcow2Metadata m) throws IOException {
        m.flushMetadata();
        if (!m.snapshots.isEmpty()) {
            Snapshots.writeTable(m, m.snapshots);
        }
        m.header.version = 3;
        m.header.headerLength = Qcow2Header.V3_LENGTH;
        m.writeHeader();
        m.barrier();
    }

    /** Rebuilds the refcount structure at another width, then frees the old one. */
    private static void changeRefcountWidth(Qcow2Metadata m, Bitmaps bitmaps, int order) throws IOException {
        m.flushMetadata();
        ReferenceCounts counts = Qcow2Checker.countReferences(m, bitmaps);
        long max = new Geometry(m.geo.clusterBits(), m.geo.extendedL2(), order).refcountMax();
        for (long c = 0; c < counts.size(); c++) {
            if (counts.get(c) > max) {
                throw new IOException("Cannot decrease refcount entry width to " + (1 << order)
                        + " bits: Cluster at offset 0x" + Long.toHexString(c << m.geo.clusterBits())
                        + " has a refcount of " + counts.get(c));
            }
        }
        RefcountRebuild.write(m, counts, order);
        // The old table and blocks were counted as in use so that nothing overwrote them; now they are leaks.
        ImageCheck r = Qcow2Checker.check(m, bitmaps, ImageCheck.Repair.LEAKS);
        if (r.corruptions() != 0 || r.failure() != null) {
            throw new IOException("the rebuilt refcount structure does not check clean");
        }
    }

    /** 1.1 to 0.10: refuses v3-only features, expands zero clusters, writes a v2 header. */
    private static void downgrade(Qcow2Metadata m, Bitmaps bitmaps, boolean backingOpen) throws IOException {
        Qcow2Header h = m.header;
        if (m.geo.refcountOrder() != 4) {
            throw new IOException("compat=0.10 requires refcount_bits=16");
        }
        if (h.hasDataFile()) {
            throw new IOException("Cannot downgrade an image with a data file");
        }
        long incompat = h.incompatible & ~(Qcow2Header.INCOMPAT_DIRTY | Qcow2Header.INCOMPAT_CORRUPT);
        if (incompat != 0) {
            throw new IOException("Cannot downgrade an image with incompatible features 0x"
                    + Long.toHexString(incompat) + " set");
        }
        m.flushMetadata();
        if (h.isDirty()) {
            Qcow2Checker.check(m, bitmaps, ImageCheck.Repair.ALL);
        }
        bitmaps.dropAll();
        expandZeroClusters(m, backingOpen);
        m.flushMetadata();
        m.barrier();
        h.version = 2;
        h.compatible = 0;
        h.incompatible = 0;
        h.autoclear = 0;
        h.refcountOrder = 4;
        h.unknownFields = new byte[0];
        m.writeHeader();
        m.barrier();
    }

    /**
     * v2 has no zero flag: every zero cluster (in the active tables and in snapshots) becomes unallocated when
     * nothing can show through, or a cluster of real zeros.
     */
    private static void expandZeroClusters(Qcow2Metadata m, boolean backingOpen) throws IOException {
        int cs = m.geo.clusterSize();
        boolean backed = backingOpen || m.header.backingFile != null;
        Set<Long> tables = new LinkedHashSet<>();
        collect(m.l1.entries(), tables);
        for (SnapshotEntry s : m.snapshots) {
            if (s.l1Size() > 0) {
                collect(m.readLongs(s.l1TableOffset(), s.l1Size(), "qcow2 snapshot L1 table", m.file.size()),
                        tables);
            }
        }
        ByteBuffer zeros = ByteBuffer.allocate(cs);
        for (long off : tables) {
            L2Table t = m.loadL2(off, 0);
            long tableRefs = m.refcounts.get(off >>> m.geo.clusterBits());
            boolean changed = false;
            for (int i = 0; i < t.entries(); i++) {
                long e = t.entry(i);
                if (L2Entry.isCompressed(e) || (e & L2Entry.ZERO) == 0) {
                    continue;
                }
                long host = L2Entry.hostOffset(e);
                // A preallocated zero cluster may share its host cluster: give it up rather than write over it.
                for (long k = 0; host != 0 && k < Math.max(1, tableRefs); k++) {
                    m.refcounts.freeLater(host, cs);
                }
                long ne;
                if (!backed) {
                    ne = 0;
                } else {
                    long nc = m.refcounts.allocateClusters(1);
                    for (long k = 1; k < tableRefs; k++) {
                        m.refcounts.addReference(nc, cs);
                    }
                    m.file.write(nc, zeros.clear());
                    ne = nc | (tableRefs == 1 ? L2Entry.COPIED : 0);
                }
                t.set(i, ne);
                changed = true;
            }
            if (changed) {
                m.l2Cache.markDirty(t);
            }
        }
        m.flushMetadata();
    }

    private static void collect(long[] l1, Set<Long> into) {
        for (long e : l1) {
            long off = L2Entry.l1Offset(e);
            if (off != 0) {
                into.add(off);
            }
        }
    }
}
