package dev.platter.format.qcow2;

import dev.platter.core.UnsupportedFeatureException;

/** The compression of compressed clusters: the header's compression_type byte. */
public enum CompressionType {
    /** Raw deflate with a 4 KiB window (qemu calls it zlib). */
    ZLIB(0, "zlib"),
    /** One zstd frame per cluster. */
    ZSTD(1, "zstd");

    private final int code;
    private final String qemuName;

    CompressionType(int code, String qemuName) {
        this.code = code;
        this.qemuName = qemuName;
    }

    /** The header's compression_type value. */
    public int code() {
        return code;
    }

    /** The name qemu uses (compression_type=zlib|zstd). */
    public String qemuName() {
        return qemuName;
    }

    static CompressionType of(int code) throws UnsupportedFeatureException {
        for (CompressionType t : values()) {
            if (t.code == code) {
                return t;
            }
        }
        throw new UnsupportedFeatureException("compression type " + code, "Unknown compression type " + code);
    }

    static CompressionType byName(String name) {
        for (CompressionType t : values()) {
            if (t.qemuName.equals(name)) {
                return t;
            }
        }
        return null;
    }

    /** A thread-safe compressor for clusters of {@code clusterSize} bytes. */
    public ClusterCompressor compressor(int clusterSize) {
        return this == ZSTD ? new ZstdCodec.Compressor(clusterSize) : DeflateCodec.compressor(clusterSize);
    }

    ClusterDecompressor decompressor() {
        return this == ZSTD ? ZstdCodec.DECOMPRESSOR : DeflateCodec.DECOMPRESSOR;
    }
}
