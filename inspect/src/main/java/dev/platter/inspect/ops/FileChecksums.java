package dev.platter.inspect.ops;

import dev.platter.core.BlockDevice;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * File checksums as libguestfs's checksum call gives them: "crc" is POSIX cksum's CRC (decimal), the others are
 * the hex digests md5sum, sha1sum ... print.
 */
public final class FileChecksums {
    private static final int CHUNK = 1 << 20;
    private static final int[] CKSUM_TABLE = new int[256];

    static {
        for (int i = 0; i < 256; i++) {
            int c = i << 24;
            for (int k = 0; k < 8; k++) {
                c = (c & 0x80000000) != 0 ? (c << 1) ^ 0x04C11DB7 : c << 1;
            }
            CKSUM_TABLE[i] = c;
        }
    }

    private FileChecksums() {
    }

    /** True for the names virt-ls --checksum accepts. */
    public static boolean isSupported(String type) {
        return switch (type) {
            case "crc", "md5", "sha1", "sha224", "sha256", "sha384", "sha512" -> true;
            default -> false;
        };
    }

    /** The checksum of a whole file's contents. */
    public static String of(String type, BlockDevice file) throws IOException {
        if (type.equals("crc")) {
            return Long.toString(cksum(file));
        }
        MessageDigest md;
        try {
            md = MessageDigest.getInstance(switch (type) {
                case "md5" -> "MD5";
                case "sha1" -> "SHA-1";
                case "sha224" -> "SHA-224";
                case "sha256" -> "SHA-256";
                case "sha384" -> "SHA-384";
                case "sha512" -> "SHA-512";
                default -> throw new IllegalArgumentException("unknown checksum type '" + type + "'");
            });
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        ByteBuffer buf = ByteBuffer.allocate(CHUNK);
        for (long pos = 0; pos < file.size(); ) {
            int n = (int) Math.min(CHUNK, file.size() - pos);
            buf.clear().limit(n);
            file.read(pos, buf);
            md.update(buf.array(), 0, n);
            pos += n;
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** POSIX cksum: CRC-32 (polynomial 0x04C11DB7, not reflected) over the data and then its length. */
    static long cksum(BlockDevice file) throws IOException {
        int crc = 0;
        ByteBuffer buf = ByteBuffer.allocate(CHUNK);
        long size = file.size();
        for (long pos = 0; pos < size; ) {
            int n = (int) Math.min(CHUNK, size - pos);
            buf.clear().limit(n);
            file.read(pos, buf);
            byte[] b = buf.array();
            for (int i = 0; i < n; i++) {
                crc = (crc << 8) ^ CKSUM_TABLE[((crc >>> 24) ^ b[i]) & 0xFF];
            }
            pos += n;
        }
        for (long len = size; len != 0; len >>>= 8) {
            crc = (crc << 8) ^ CKSUM_TABLE[((crc >>> 24) ^ (int) len) & 0xFF];
        }
        return ~crc & 0xFFFFFFFFL;
    }
}
