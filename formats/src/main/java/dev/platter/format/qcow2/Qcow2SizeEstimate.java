package dev.platter.format.qcow2;

import dev.platter.core.UnsupportedFeatureException;
import dev.platter.core.image.capability.PersistentBitmaps;
import dev.platter.core.image.capability.SizeEstimate;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code qemu-img measure} for qcow2: the creation options that decide how much metadata an image needs, validated
 * with qemu-img's messages, and qemu's size arithmetic for a fully allocated image (header, L1, L2 tables,
 * refcount table and blocks) and for the bitmaps a source brings along.
 */
record Qcow2SizeEstimate(long clusterSize, int refcountBits, boolean extendedL2, int version, String preallocation,
                         long luksBytes)
        implements SizeEstimate {
    static final long MAX_L1_BYTES = 32L << 20;
    /** Bytes of a bitmap directory entry before its name. */
    private static final int BITMAP_DIR_ENTRY = 24;
    private static final Set<String> OPTIONS = Set.of("backing_file", "backing_fmt", "cluster_size", "compat",
            "compression_type", "data_file", "data_file_raw", "encrypt.format", "encrypt.cipher-alg",
            "encrypt.cipher-mode", "encrypt.hash-alg", "encrypt.iter-time", "encrypt.ivgen-alg",
            "encrypt.ivgen-hash-alg", "encrypt.key-secret", "encryption", "extended_l2", "lazy_refcounts",
            "preallocation", "refcount_bits", "size");

    /** Parses and checks {@code -o} options as qemu's qcow2 driver does for measure. */
    static Qcow2SizeEstimate parse(Map<String, String> options) throws UnsupportedFeatureException {
        for (String key : options.keySet()) {
            if (!OPTIONS.contains(key)) {
                throw new IllegalArgumentException("Invalid parameter '" + key + "'");
            }
        }
        long luks = 0;
        if (options.containsKey("encryption") || options.containsKey("encrypt.format")) {
            if (!"luks".equals(options.getOrDefault("encrypt.format", "aes"))) {
                throw new UnsupportedFeatureException("encryption", "legacy AES-CBC encrypted qcow2 images are not "
                        + "created: use encrypt.format=luks");
            }
            try {
                luks = dev.platter.core.crypto.luks.Luks1.headerAreaBytes(dev.platter.core.crypto.CipherSpec.fromQemu(
                        options.get("encrypt.cipher-alg"), options.get("encrypt.cipher-mode"),
                        options.get("encrypt.ivgen-alg"), options.get("encrypt.ivgen-hash-alg")));
            } catch (dev.platter.core.crypto.UnsupportedCipherException e) {
                throw new IllegalArgumentException(e.getMessage());
            }
        }
        boolean extendedL2 = bool(options, "extended_l2");
        long cs = 65536;
        if (options.containsKey("cluster_size")) {
            try {
                cs = dev.platter.core.Sizes.parse(options.get("cluster_size"));
            } catch (IllegalArgumentException e) {
                cs = -1;
            }
        }
        if (cs < 512 || cs > (2 << 20) || Long.bitCount(cs) != 1) {
            throw new IllegalArgumentException("Cluster size must be a power of two between 512 and 2048k");
        }
        int version = 3;
        String compat = options.get("compat");
        if (compat != null) {
            switch (compat) {
                case "0.10" -> version = 2;
                case "1.1" -> version = 3;
                default -> throw new IllegalArgumentException("Invalid compatibility level: '" + compat + "'");
            }
        }
        int refcountBits = 16;
        if (options.containsKey("refcount_bits")) {
            long bits;
            try {
                bits = Long.parseLong(options.get("refcount_bits"));
            } catch (NumberFormatException e) {
                bits = -1;
            }
            if (bits < 1 || bits > 64 || Long.bitCount(bits) != 1) {
                throw new IllegalArgumentException("Refcount width must be a power of two and may not exceed 64 "
                        + "bits");
            }
            refcountBits = (int) bits;
        }
        if (version < 3 && refcountBits != 16) {
            throw new IllegalArgumentException("Different refcount widths than 16 bits require compatibility level "
                    + "1.1 or above (use compat=1.1 or greater)");
        }
        String prealloc = options.getOrDefault("preallocation", "off");
        if (!Set.of("off", "metadata", "falloc", "full").contains(prealloc)) {
            throw new IllegalArgumentException("invalid parameter value: " + prealloc);
        }
        if (extendedL2 && cs < 16384) {
            throw new IllegalArgumentException("Extended L2 entries are only supported with cluster sizes of at "
                    + "least 16384 bytes");
        }
        // qemu's qcow2_measure: the LUKS header area, in whole clusters, on top of everything else.
        return new Qcow2SizeEstimate(cs, refcountBits, extendedL2, version, prealloc, roundUp(luks, cs));
    }

    private static boolean bool(Map<String, String> options, String key) {
        String v = options.get(key);
        if (v == null) {
            return false;
        }
        return switch (v) {
            case "on", "true", "yes" -> true;
            case "off", "false", "no" -> false;
            default -> throw new IllegalArgumentException("Parameter '" + key + "' expects 'on' or 'off'");
        };
    }

    int l2EntrySize() {
        return extendedL2 ? 16 : 8;
    }

    @Override
    public long unit() {
        return clusterSize;
    }

    @Override
    public boolean allocatesAll() {
        return preallocation.equals("falloc") || preallocation.equals("full");
    }

    /** Rejects sizes whose L1 table would exceed qemu's limit. */
    @Override
    public void checkSize(long virtualSize) {
        long l2Tables = ceilDiv(virtualSize / clusterSize, clusterSize / l2EntrySize());
        if (l2Tables * 8 > MAX_L1_BYTES) {
            throw new IllegalArgumentException("The image size is too large (try using a larger cluster size)");
        }
    }

    /** qemu's qcow2_calc_prealloc_size: the file size of an image of {@code totalSize} with every cluster written. */
    @Override
    public long fullyAllocated(long totalSize) {
        long aligned = roundUp(totalSize, clusterSize);
        long meta = clusterSize; // header
        long l2Entries = roundUp(aligned / clusterSize, clusterSize / l2EntrySize());
        meta += l2Entries * l2EntrySize();
        long l1Entries = roundUp(l2Entries * l2EntrySize() / clusterSize, clusterSize / 8);
        meta += l1Entries * 8;
        meta += refcountMetadata((meta + aligned) / clusterSize);
        return meta + aligned + luksBytes;
    }

    /** Bytes of refcount table and blocks covering {@code clusters} clusters and themselves. */
    long refcountMetadata(long clusters) {
        long perTableCluster = clusterSize / 8;
        long perBlock = clusterSize * 8 / refcountBits;
        long table = 0;
        long blocks = 0;
        long n = 0;
        long last;
        do {
            last = n;
            blocks = ceilDiv(clusters + table + blocks, perBlock);
            table = ceilDiv(blocks, perTableCluster);
            n = clusters + blocks + table;
        } while (n != last);
        return (blocks + table) * clusterSize;
    }

    /** qemu's estimate of the space bitmaps take: their data and tables, and the directory; only from version 3. */
    @Override
    public Long bitmapBytes(List<PersistentBitmaps.Bitmap> bitmaps, long virtualSize) {
        if (version < 3) {
            return null;
        }
        long bytes = 0;
        long directory = 0;
        for (PersistentBitmaps.Bitmap bm : bitmaps) {
            long bits = ceilDiv(virtualSize, bm.granularity());
            long clusters = ceilDiv(ceilDiv(bits, 8), clusterSize);
            bytes += clusters * clusterSize;
            bytes += roundUp(clusters * 8, clusterSize);
            directory += roundUp(BITMAP_DIR_ENTRY + bm.name().getBytes(StandardCharsets.UTF_8).length, 8);
        }
        return bytes + roundUp(directory, clusterSize);
    }

    static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }

    static long roundUp(long a, long b) {
        return ceilDiv(a, b) * b;
    }
}
