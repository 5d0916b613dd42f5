package dev.platter.format.qcow2;

import dev.platter.core.CorruptImageException;
import dev.platter.core.UnsupportedFeatureException;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The qcow2 header (cluster 0): the fixed fields, the header extensions and the backing file name. Parsed from and
 * written back to the first cluster the way qemu 7.2 lays it out (fields, unknown trailing fields, backing format,
 * data file, crypto pointer, feature table, bitmaps, unknown extensions, end marker, backing name). Mutable: the
 * image updates it under its write lock and rewrites it.
 */
final class Qcow2Header {
    static final int MAGIC = 0x514649fb;
    static final int V2_LENGTH = 72;
    static final int V3_MIN_LENGTH = 104;
    /** What qemu writes for v3: 104 bytes of fields, the compression type byte and 7 bytes of padding. */
    static final int V3_LENGTH = 112;
    static final int MIN_CLUSTER_BITS = 9;
    static final int MAX_CLUSTER_BITS = 21;
    static final int MAX_BACKING_NAME = 1023;

    static final long INCOMPAT_DIRTY = 1;
    static final long INCOMPAT_CORRUPT = 2;
    static final long INCOMPAT_DATA_FILE = 4;
    static final long INCOMPAT_COMPRESSION = 8;
    static final long INCOMPAT_EXTL2 = 16;
    static final long INCOMPAT_KNOWN = 0x1f;
    static final long COMPAT_LAZY_REFCOUNTS = 1;
    static final long AUTOCLEAR_BITMAPS = 1;
    static final long AUTOCLEAR_DATA_FILE_RAW = 2;
    static final long AUTOCLEAR_KNOWN = 3;

    static final int CRYPT_NONE = 0;
    static final int CRYPT_AES = 1;
    static final int CRYPT_LUKS = 2;

    int version;
    int clusterBits;
    long size;
    int cryptMethod;
    int l1Size;
    long l1TableOffset;
    long refcountTableOffset;
    int refcountTableClusters;
    int nbSnapshots;
    long snapshotsOffset;
    long incompatible;
    long compatible;
    long autoclear;
    int refcountOrder = 4;
    int compressionType;
    /** Header bytes past the fields Platter knows (header_length > 112), kept for rewrites. */
    byte[] unknownFields = new byte[0];
    String backingFile;
    String backingFormat;
    String dataFile;
    /** The full-disk-encryption header pointer extension, kept as it is. */
    byte[] cryptoHeader;
    FeatureNameTable featureTable;
    BitmapsExtension bitmaps;
    final List<HeaderExtension> unknownExtensions = new ArrayList<>();
    /** header_length as read (for v2 always 72). */
    int headerLength;

    /** Reads the 4-byte version and cluster bits from the first bytes, enough to know how much to read. */
    static int peekClusterBits(ByteBuffer first) throws CorruptImageException, UnsupportedFeatureException {
        if (first.remaining() < V2_LENGTH) {
            throw new CorruptImageException("qcow2 header", 0,
                    "the file is too short for a qcow2 header (" + first.remaining() + " bytes)");
        }
        int magic = first.getInt(0);
        if (magic != MAGIC) {
            throw new CorruptImageException("qcow2 header", 0, "Image is not in qcow2 format");
        }
        int version = first.getInt(4);
        if (version < 2 || version > 3) {
            throw new UnsupportedFeatureException("qcow2 version " + version,
                    "Unsupported qcow2 version " + version);
        }
        int bits = first.getInt(20);
        if (bits < MIN_CLUSTER_BITS || bits > MAX_CLUSTER_BITS) {
            throw new UnsupportedFeatureException("cluster size 2^" + bits, "Unsupported cluster size: 2^" + bits);
        }
        return bits;
    }

    /**
     * Parses the header cluster (or as much of it as the file holds).
     *
     * @param cluster the first bytes of the file, at most one cluster, big-endian
     */
    static Qcow2Header parse(ByteBuffer cluster) throws CorruptImageException, UnsupportedFeatureException {
        int clusterBits = peekClusterBits(cluster);
        int clusterSize = 1 << clusterBits;
        int available = Math.min(cluster.limit(), clusterSize);
        Qcow2Header h = new Qcow2Header();
        h.version = cluster.getInt(4);
        long backingOffset = cluster.getLong(8);
        int backingSize = cluster.getInt(16);
        h.clusterBits = clusterBits;
        h.size = cluster.getLong(24);
        h.cryptMethod = cluster.getInt(32);
        h.l1Size = cluster.getInt(36);
        h.l1TableOffset = cluster.getLong(40);
        h.refcountTableOffset = cluster.getLong(48);
        h.refcountTableClusters = cluster.getInt(56);
        h.nbSnapshots = cluster.getInt(60);
        h.snapshotsOffset = cluster.getLong(64);
        int extStart;
        if (h.version == 2) {
            h.headerLength = V2_LENGTH;
            extStart = V2_LENGTH;
        } else {
            if (available < V3_MIN_LENGTH) {
                throw new CorruptImageException("qcow2 header", 0, "qcow2 header too short");
            }
            h.incompatible = cluster.getLong(72);
            h.compatible = cluster.getLong(80);
            h.autoclear = cluster.getLong(88);
            h.refcountOrder = cluster.getInt(96);
            h.headerLength = cluster.getInt(100);
            if (h.headerLength < V3_MIN_LENGTH) {
                throw new CorruptImageException("qcow2 header", 100, "qcow2 header too short (header_length "
                        + Integer.toUnsignedString(h.headerLength) + ")");
            }
            if (h.headerLength > clusterSize) {
                throw new CorruptImageException("qcow2 header", 100, "qcow2 header exceeds cluster size");
            }
            if (h.headerLength > available) {
                throw new CorruptImageException("qcow2 header", 0, "the file ends inside the header");
            }
            if (h.headerLength > V3_MIN_LENGTH) {
                h.compressionType = cluster.get(104) & 0xff;
            }
            if (h.headerLength > V3_LENGTH) {
                h.unknownFields = new byte[h.headerLength - V3_LENGTH];
                cluster.get(V3_LENGTH, h.unknownFields);
            }
            extStart = h.headerLength;
        }
        if (h.refcountOrder < 0 || h.refcountOrder > 6) {
            throw new CorruptImageException("qcow2 header", 96,
                    "Reference count entry width too large; may not exceed 64 bits (refcount_order "
                            + h.refcountOrder + ")");
        }
        // Extensions end where the backing file name starts, or at the end of the first cluster.
        long extEnd = backingOffset != 0 ? backingOffset : clusterSize;
        if (backingOffset < 0 || backingOffset > clusterSize) {
            throw new CorruptImageException("qcow2 header", 8, "Invalid backing file offset " + backingOffset);
        }
        parseExtensions(h, cluster, extStart, (int) Math.min(extEnd, available));
        if (backingOffset != 0 && backingSize != 0) {
            if (backingSize < 0 || backingSize > MAX_BACKING_NAME || backingSize > clusterSize - backingOffset) {
                throw new CorruptImageException("qcow2 header", 16, "Backing file name too long ("
                        + Integer.toUnsignedString(backingSize) + " bytes)");
            }
            if (backingOffset + backingSize > available) {
                throw new CorruptImageException("qcow2 header", backingOffset,
                        "the backing file name runs past the end of the file");
            }
            byte[] name = new byte[backingSize];
            cluster.get((int) backingOffset, name);
            h.backingFile = new String(name, StandardCharsets.UTF_8);
        }
        return h;
    }

    private static void parseExtensions(Qcow2Header h, ByteBuffer b, int start, int end)
            throws CorruptImageException {
        int off = start;
        while (off + 8 <= end) {
            int type = b.getInt(off);
            long len = Integer.toUnsignedLong(b.getInt(off + 4));
            if (type == HeaderExtension.END) {
                return;
            }
            if (len > end - off - 8) {
                throw new CorruptImageException("qcow2 header extension 0x" + Integer.toHexString(type), off,
                        "length " + len + " runs past the end of the header area (" + end + " bytes)");
            }
            byte[] data = new byte[(int) len];
            b.get(off + 8, data);
            switch (type) {
                case HeaderExtension.BACKING_FORMAT -> h.backingFormat = new String(data, StandardCharsets.UTF_8);
                case HeaderExtension.DATA_FILE -> h.dataFile = new String(data, StandardCharsets.UTF_8);
                case HeaderExtension.FEATURE_NAME_TABLE -> h.featureTable = FeatureNameTable.parse(data);
                case HeaderExtension.CRYPTO_HEADER -> h.cryptoHeader = data;
                case HeaderExtension.BITMAPS -> h.bitmaps = BitmapsExtension.parse(data, off);
                default -> h.unknownExtensions.add(new HeaderExtension(type, data));
            }
            off += 8 + (int) ((len + 7) & ~7L);
        }
    }

    /** The full disk encryption header's area (offset, length) from its extension, or null. */
    long[] cryptoArea() {
        if (cryptoHeader == null || cryptoHeader.length < 16) {
            return null;
        }
        ByteBuffer b = ByteBuffer.wrap(cryptoHeader);
        return new long[] {b.getLong(0), b.getLong(8)};
    }

    int clusterSize() {
        return 1 << clusterBits;
    }

    Geometry geometry() {
        return new Geometry(clusterBits, (incompatible & INCOMPAT_EXTL2) != 0, refcountOrder);
    }

    boolean hasDataFile() {
        return (incompatible & INCOMPAT_DATA_FILE) != 0;
    }

    boolean dataFileRaw() {
        return (autoclear & AUTOCLEAR_DATA_FILE_RAW) != 0;
    }

    boolean isDirty() {
        return (incompatible & INCOMPAT_DIRTY) != 0;
    }

    boolean isCorrupt() {
        return (incompatible & INCOMPAT_CORRUPT) != 0;
    }

    boolean lazyRefcounts() {
        return (compatible & COMPAT_LAZY_REFCOUNTS) != 0;
    }

    /** The name qemu uses for the compression type ("zlib" for deflate). */
    String compressionName() {
        return compressionType == 1 ? "zstd" : "zlib";
    }

    /**
     * The whole first cluster as qemu 7.2 writes it.
     *
     * @throws java.io.IOException when the extensions and backing name do not fit in one cluster
     */
    byte[] toClusterBytes() throws java.io.IOException {
        int cs = clusterSize();
        ByteBuffer b = ByteBuffer.allocate(cs);
        b.putInt(MAGIC).putInt(version);
        b.putLong(0).putInt(0); // backing file offset and size, filled in below
        b.putInt(clusterBits).putLong(size).putInt(cryptMethod).putInt(l1Size).putLong(l1TableOffset);
        b.putLong(refcountTableOffset).putInt(refcountTableClusters).putInt(nbSnapshots).putLong(snapshotsOffset);
        if (version >= 3) {
            b.putLong(incompatible).putLong(compatible).putLong(autoclear).putInt(refcountOrder);
            b.putInt(V3_LENGTH + unknownFields.length);
            b.put((byte) compressionType);
            b.position(V3_LENGTH);
            b.put(unknownFields);
        }
        try {
            if (backingFormat != null) {
                putExtension(b, HeaderExtension.BACKING_FORMAT, backingFormat.getBytes(StandardCharsets.UTF_8));
            }
            if (hasDataFile() && dataFile != null) {
                putExtension(b, HeaderExtension.DATA_FILE, dataFile.getBytes(StandardCharsets.UTF_8));
            }
            if (cryptoHeader != null) {
                putExtension(b, HeaderExtension.CRYPTO_HEADER, cryptoHeader);
            }
            if (version >= 3 && cs > 4096) {
                putExtension(b, HeaderExtension.FEATURE_NAME_TABLE, FeatureNameTable.QEMU.toBytes());
            }
            if (bitmaps != null) {
                putExtension(b, HeaderExtension.BITMAPS, bitmaps.toBytes());
            }
            for (HeaderExtension e : unknownExtensions) {
                putExtension(b, e.type(), e.data());
            }
            b.putLong(0); // end of extensions
            if (backingFile != null) {
                byte[] name = backingFile.getBytes(StandardCharsets.UTF_8);
                int at = b.position();
                b.put(name);
                b.putLong(8, at);
                b.putInt(16, name.length);
            }
        } catch (java.nio.BufferOverflowException e) {
            throw new java.io.IOException("the qcow2 header extensions and backing file name do not fit in "
                    + "the first cluster (" + cs + " bytes)");
        }
        return b.array();
    }

    private static void putExtension(ByteBuffer b, int type, byte[] data) {
        b.putInt(type).putInt(data.length).put(data);
        b.position(b.position() + ((8 - data.length % 8) % 8));
    }

    /** Byte offset of the size field, for in-place updates. */
    static final int SIZE_OFFSET = 24;
    static final int L1_SIZE_OFFSET = 36;
    static final int REFCOUNT_TABLE_OFFSET = 48;
    static final int SNAPSHOTS_OFFSET = 60;
    static final int INCOMPATIBLE_OFFSET = 72;
}
