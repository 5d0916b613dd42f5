package dev.platter.format.qcow2;

import dev.platter.core.Sizes;
import dev.platter.core.image.CreateOptions;
import dev.platter.core.image.Preallocation;

import java.util.Set;

/**
 * qemu-img's qcow2 creation options: parsing (with qemu's syntax errors, reported before the "Formatting" line),
 * the "Formatting" line itself (qemu's option-list order, defaults included), and validation with qemu's
 * messages (reported after it).
 */
final class Qcow2CreateOptions {
    /** The order qemu 7.2 prints options in (its merged create-option list), with defaults where it has them. */
    private static final String[][] PRINT_ORDER = {
        {"encryption", null}, {"encrypt.format", null}, {"encrypt.key-secret", null},
        {"encrypt.cipher-alg", null}, {"encrypt.cipher-mode", null}, {"encrypt.ivgen-alg", null},
        {"encrypt.ivgen-hash-alg", null}, {"encrypt.hash-alg", null}, {"encrypt.iter-time", null},
        {"cluster_size", "65536"}, {"extended_l2", "off"}, {"preallocation", null}, {"compression_type", "zlib"},
        {"size", null}, {"compat", null}, {"backing_file", null}, {"backing_fmt", null}, {"data_file", null},
        {"data_file_raw", null}, {"lazy_refcounts", "off"}, {"refcount_bits", "16"},
    };
    static final Set<String> KNOWN = Set.of("size", "compat", "backing_file", "backing_fmt", "data_file",
            "data_file_raw", "encryption", "encrypt.format", "encrypt.key-secret", "encrypt.cipher-alg",
            "encrypt.cipher-mode", "encrypt.ivgen-alg", "encrypt.ivgen-hash-alg", "encrypt.hash-alg",
            "encrypt.iter-time", "cluster_size", "extended_l2", "preallocation", "lazy_refcounts", "refcount_bits",
            "compression_type");
    private static final Set<String> BOOLEANS = Set.of("extended_l2", "lazy_refcounts", "data_file_raw",
            "encryption");
    /** Format names qemu's BlockdevDriver enum accepts for backing_fmt (the common ones). */
    private static final Set<String> DRIVERS = Set.of("blkdebug", "blklogwrites", "blkreplay", "blkverify", "bochs",
            "cloop", "compress", "copy-before-write", "copy-on-read", "dmg", "file", "ftp", "ftps", "gluster",
            "host_cdrom", "host_device", "http", "https", "iscsi", "iser", "luks", "nbd", "nfs", "null-aio",
            "null-co", "nvme", "parallels", "preallocate", "qcow", "qcow2", "qed", "quorum", "raw", "rbd",
            "replication", "snapshot-access", "ssh", "throttle", "vdi", "vhdx", "vmdk", "vpc", "vvfat");

    int version = 3;
    int clusterSize = 65536;
    boolean extendedL2;
    boolean lazyRefcounts;
    int refcountBits = 16;
    CompressionType compression = CompressionType.ZLIB;
    Preallocation preallocation = Preallocation.OFF;
    String backingFile;
    String backingFormat;
    String dataFile;
    boolean dataFileRaw;
    boolean encrypted;
    /** LUKS: the cipher, PBKDF2 hash, PBKDF2 time and the key of slot 0 (null when not encrypted). */
    dev.platter.core.crypto.CipherSpec cipher;
    dev.platter.core.crypto.HashAlgorithm hash;
    long iterTimeMillis;
    dev.platter.core.crypto.Secret key;

    private Qcow2CreateOptions() {
    }

    /** Syntax checks qemu makes while parsing -o (before it prints anything). */
    static void checkSyntax(CreateOptions options) {
        options.requireKnown(KNOWN);
        for (String b : BOOLEANS) {
            String v = options.get(b);
            if (v != null && parseBool(v) == null) {
                throw new IllegalArgumentException("Parameter '" + b + "' expects 'on' or 'off'");
            }
        }
        String cs = options.get("cluster_size");
        if (cs != null) {
            parseSize("cluster_size", cs);
        }
        String rb = options.get("refcount_bits");
        if (rb != null) {
            parseNumber("refcount_bits", rb);
        }
    }

    /** The summary after "Formatting 'FILE', ": fmt=qcow2 and the options in qemu's order. */
    static String describe(long size, CreateOptions options) {
        StringBuilder sb = new StringBuilder("fmt=qcow2");
        for (String[] o : PRINT_ORDER) {
            String key = o[0];
            String value = key.equals("size") ? Long.toString(size) : options.get(key);
            if (value != null && key.equals("cluster_size")) {
                value = Long.toString(parseSize(key, value));
            } else if (value != null && key.equals("refcount_bits")) {
                value = Long.toString(parseNumber(key, value));
            }
            if (value == null) {
                value = o[1];
            }
            if (value != null) {
                sb.append(' ').append(key).append('=').append(value);
            }
        }
        return sb.toString();
    }

    /** Validates the options as qemu 7.2 does, in its order, with its messages. */
    static Qcow2CreateOptions parse(CreateOptions options) {
        checkSyntax(options);
        Qcow2CreateOptions o = new Qcow2CreateOptions();
        String compat = options.get("compat");
        if (compat != null) {
            o.version = switch (compat) {
                case "0.10", "v2" -> 2;
                case "1.1", "v3" -> 3;
                default -> throw new IllegalArgumentException("Parameter 'version' does not accept value '"
                        + compat + "'");
            };
        }
        o.backingFile = options.get("backing_file");
        o.backingFormat = options.get("backing_fmt");
        if (o.backingFormat != null && !DRIVERS.contains(o.backingFormat)) {
            throw new IllegalArgumentException("Parameter 'backing-fmt' does not accept value '"
                    + o.backingFormat + "'");
        }
        String prealloc = options.get("preallocation");
        if (prealloc != null) {
            o.preallocation = switch (prealloc) {
                case "off" -> Preallocation.OFF;
                case "metadata" -> Preallocation.METADATA;
                case "falloc" -> Preallocation.FALLOC;
                case "full" -> Preallocation.FULL;
                default -> throw new IllegalArgumentException("Parameter 'preallocation' does not accept value '"
                        + prealloc + "'");
            };
        }
        String ct = options.get("compression_type");
        if (ct != null) {
            o.compression = CompressionType.byName(ct);
            if (o.compression == null) {
                throw new IllegalArgumentException("Parameter 'compression-type' does not accept value '" + ct + "'");
            }
        }
        o.extendedL2 = Boolean.TRUE.equals(parseBool(options.get("extended_l2", "off")));
        o.lazyRefcounts = Boolean.TRUE.equals(parseBool(options.get("lazy_refcounts", "off")));
        o.dataFileRaw = Boolean.TRUE.equals(parseBool(options.get("data_file_raw", "off")));
        o.dataFile = options.get("data_file");
        o.encrypted = options.has("encrypt.format") || Boolean.TRUE.equals(parseBool(options.get("encryption", "off")));
        long cs = options.has("cluster_size") ? parseSize("cluster_size", options.get("cluster_size")) : 65536;
        long rb = options.has("refcount_bits") ? parseNumber("refcount_bits", options.get("refcount_bits")) : 16;

        if (o.extendedL2 && o.version < 3) {
            throw new IllegalArgumentException("Extended L2 entries are only supported with compatibility level 1.1 "
                    + "and above (use version=v3 or greater)");
        }
        if (cs < 512 || cs > (2 << 20) || Long.bitCount(cs) != 1) {
            throw new IllegalArgumentException("Cluster size must be a power of two between 512 and 2048k");
        }
        o.clusterSize = (int) cs;
        if (o.extendedL2 && cs < 16384) {
            throw new IllegalArgumentException("Extended L2 entries are only supported with cluster sizes of at "
                    + "least 16384 bytes");
        }
        if (o.backingFile != null && o.preallocation != Preallocation.OFF && !o.extendedL2) {
            throw new IllegalArgumentException("Backing file and preallocation can only be used at the same time "
                    + "if extended_l2 is on");
        }
        if (o.backingFormat != null && o.backingFile == null) {
            throw new IllegalArgumentException("Backing format cannot be used without backing file");
        }
        if (o.version < 3 && o.lazyRefcounts) {
            throw new IllegalArgumentException("Lazy refcounts only supported with compatibility level 1.1 and "
                    + "above (use version=v3 or greater)");
        }
        if (rb > 64 || Long.bitCount(rb) != 1) {
            throw new IllegalArgumentException("Refcount width must be a power of two and may not exceed 64 bits");
        }
        if (o.version < 3 && rb != 16) {
            throw new IllegalArgumentException("Different refcount widths than 16 bits require compatibility level "
                    + "1.1 or above (use version=v3 or greater)");
        }
        o.refcountBits = (int) rb;
        if (o.dataFileRaw && o.dataFile == null) {
            throw new IllegalArgumentException("data-file-raw requires data-file");
        }
        if (o.dataFileRaw && o.backingFile != null) {
            throw new IllegalArgumentException("Backing file and data-file-raw cannot be used at the same time");
        }
        if (o.dataFileRaw && o.preallocation == Preallocation.OFF) {
            o.preallocation = Preallocation.METADATA; // the data file must map 1:1 from the start
        }
        if (o.dataFile != null && o.version < 3) {
            throw new IllegalArgumentException("External data files are only supported with compatibility level "
                    + "1.1 and above (use version=v3 or greater)");
        }
        if (o.compression != CompressionType.ZLIB && o.version < 3) {
            throw new IllegalArgumentException("Non-zlib compression type is only supported with compatibility "
                    + "level 1.1 and above (use version=v3 or greater)");
        }
        if (o.encrypted) {
            encryption(options, o);
        }
        return o;
    }

    /** {@code encrypt.*}: LUKS as qemu writes it; legacy AES is refused (qemu deprecated it). */
    private static void encryption(CreateOptions options, Qcow2CreateOptions o) {
        String format = options.get("encrypt.format", options.has("encryption") ? "aes" : "luks");
        if (format.equals("aes")) {
            throw new IllegalArgumentException("Creating legacy AES-CBC encrypted qcow2 images is not supported "
                    + "(qemu deprecated them): use encrypt.format=luks");
        }
        if (!format.equals("luks")) {
            throw new IllegalArgumentException("Parameter 'encrypt.format' does not accept value '" + format + "'");
        }
        if (o.dataFile != null) {
            throw new IllegalArgumentException("Encryption with an external data file is not supported");
        }
        String id = options.get("encrypt.key-secret");
        if (id == null) {
            throw new IllegalArgumentException("Parameter 'encrypt.key-secret' is required for cipher");
        }
        o.key = options.secrets().get(id);
        try {
            o.cipher = dev.platter.core.crypto.CipherSpec.fromQemu(options.get("encrypt.cipher-alg"),
                    options.get("encrypt.cipher-mode"), options.get("encrypt.ivgen-alg"),
                    options.get("encrypt.ivgen-hash-alg"));
            o.hash = dev.platter.core.crypto.HashAlgorithm.named(options.get("encrypt.hash-alg", "sha256"));
        } catch (dev.platter.core.crypto.UnsupportedCipherException e) {
            throw new IllegalArgumentException(e.getMessage());
        }
        o.iterTimeMillis = options.has("encrypt.iter-time")
                ? dev.platter.core.crypto.luks.LuksAmend.parseIterTime(options.get("encrypt.iter-time"))
                : dev.platter.core.crypto.luks.LuksAmend.DEFAULT_ITER_TIME_MS;
    }

    static Boolean parseBool(String v) {
        return switch (v) {
            case "on", "yes", "true", "y" -> Boolean.TRUE;
            case "off", "no", "false", "n" -> Boolean.FALSE;
            default -> null;
        };
    }

    private static long parseSize(String key, String v) {
        try {
            long n = Sizes.parse(v);
            if (n < 0) {
                throw new IllegalArgumentException();
            }
            return n;
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Parameter '" + key + "' expects a non-negative number below 2^64\n"
                    + "Optional suffix k, M, G, T, P or E means kilo-, mega-, giga-, tera-, peta-\n"
                    + "and exabytes, respectively.");
        }
    }

    private static long parseNumber(String key, String v) {
        try {
            return v.startsWith("0x") || v.startsWith("0X") ? Long.parseLong(v.substring(2), 16) : Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Parameter '" + key + "' expects a number");
        }
    }
}
