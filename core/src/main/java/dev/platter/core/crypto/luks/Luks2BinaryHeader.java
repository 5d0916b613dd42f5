package dev.platter.core.crypto.luks;

import dev.platter.core.CorruptImageException;
import dev.platter.core.crypto.HashAlgorithm;
import dev.platter.core.crypto.UnsupportedCipherException;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;

/**
 * One copy of the LUKS2 binary header (4096 bytes, big-endian): magic ("LUKS\xba\xbe" for the primary copy at 0,
 * "SKUL\xba\xbe" for the secondary at {@code hdr_size}), version 2, {@code hdr_size} (binary header and JSON area),
 * {@code seqid}, label, checksum algorithm, salt, UUID, subsystem, {@code hdr_offset} (where the copy must lie) and
 * the checksum over the binary header (checksum field zeroed) and the whole JSON area that follows it.
 */
public final class Luks2BinaryHeader {
    public static final int SIZE = 4096;
    public static final byte[] MAGIC_SECONDARY = {'S', 'K', 'U', 'L', (byte) 0xBA, (byte) 0xBE};
    /** The header sizes LUKS2 allows (binary header and JSON area): 16 KiB to 4 MiB, powers of two. */
    public static final long MIN_HDR_SIZE = 16 << 10;
    public static final long MAX_HDR_SIZE = 4 << 20;
    /** Where a secondary header may lie when the primary cannot say (cryptsetup's scan list). */
    static final long[] SECONDARY_OFFSETS = {0x4000, 0x8000, 0x10000, 0x20000, 0x40000, 0x80000, 0x100000,
            0x200000, 0x400000};
    static final int CSUM_AT = 0x1C0;
    static final int CSUM_LEN = 64;

    final boolean secondary;
    final long hdrSize;
    final long seqid;
    final String label;
    final String checksumAlg;
    final String uuid;
    final String subsystem;
    final long hdrOffset;
    final byte[] checksum;

    private Luks2BinaryHeader(boolean secondary, long hdrSize, long seqid, String label, String checksumAlg,
                              String uuid, String subsystem, long hdrOffset, byte[] checksum) {
        this.secondary = secondary;
        this.hdrSize = hdrSize;
        this.seqid = seqid;
        this.label = label;
        this.checksumAlg = checksumAlg;
        this.uuid = uuid;
        this.subsystem = subsystem;
        this.hdrOffset = hdrOffset;
        this.checksum = checksum;
    }

    /**
     * Parses the 4096 bytes of the copy that lies at {@code at} and checks what cryptsetup checks before reading the
     * JSON area: magic, version, {@code hdr_offset} equal to {@code at}, a header size LUKS2 allows, and a secondary
     * copy lying at the header size.
     */
    public static Luks2BinaryHeader parse(byte[] bytes, long at, boolean secondary) throws CorruptImageException {
        if (bytes.length < SIZE) {
            throw corrupt(at, "binary header is truncated (" + bytes.length + " of " + SIZE + " bytes)");
        }
        ByteBuffer h = ByteBuffer.wrap(bytes).order(ByteOrder.BIG_ENDIAN);
        byte[] magic = secondary ? MAGIC_SECONDARY : Luks1Header.MAGIC;
        if (!Arrays.equals(bytes, 0, 6, magic, 0, 6)) {
            throw corrupt(at, secondary ? "bad magic (not a secondary LUKS2 header)"
                    : "bad magic (not a LUKS header)");
        }
        int version = Short.toUnsignedInt(h.getShort(6));
        if (version != 2) {
            throw corrupt(at, "version " + version + ", expected 2");
        }
        long hdrSize = h.getLong(8);
        long seqid = h.getLong(16);
        long hdrOffset = h.getLong(0x100);
        if (hdrOffset != at) {
            throw corrupt(at, "hdr_offset " + Long.toUnsignedString(hdrOffset) + " does not match where the header "
                    + "lies (" + at + ")");
        }
        if (hdrSize < MIN_HDR_SIZE || hdrSize > MAX_HDR_SIZE || Long.bitCount(hdrSize) != 1) {
            throw corrupt(at + 8, "hdr_size " + Long.toUnsignedString(hdrSize) + " is not one of LUKS2's sizes "
                    + "(16 KiB to 4 MiB, a power of two)");
        }
        if (secondary && hdrSize != at) {
            throw corrupt(at + 8, "secondary header at " + at + " gives hdr_size " + hdrSize
                    + "; it must lie at hdr_size");
        }
        String label = text(bytes, 0x18, 48);
        String checksumAlg = text(bytes, 0x48, 32);
        String uuid = text(bytes, 0xA8, 40);
        String subsystem = text(bytes, 0xD0, 48);
        byte[] csum = Arrays.copyOfRange(bytes, CSUM_AT, CSUM_AT + CSUM_LEN);
        return new Luks2BinaryHeader(secondary, hdrSize, seqid, label, checksumAlg, uuid, subsystem, hdrOffset, csum);
    }

    /** The JSON area's length: {@code hdr_size} minus the binary header. */
    public long jsonAreaSize() {
        return hdrSize - SIZE;
    }

    /**
     * Checks the checksum over the binary header (its checksum field as zeros) and the whole JSON area, with the
     * algorithm the header names.
     */
    public void checkChecksum(byte[] binary, byte[] jsonArea, long at) throws CorruptImageException {
        HashAlgorithm alg;
        try {
            alg = HashAlgorithm.named(checksumAlg);
        } catch (UnsupportedCipherException e) {
            throw corrupt(at + 0x48, "checksum algorithm '" + checksumAlg + "' is not supported");
        }
        MessageDigest md = alg.newDigest();
        byte[] bin = Arrays.copyOf(binary, SIZE);
        Arrays.fill(bin, CSUM_AT, CSUM_AT + CSUM_LEN, (byte) 0);
        md.update(bin);
        md.update(jsonArea);
        byte[] computed = md.digest();
        byte[] stored = Arrays.copyOf(checksum, computed.length);
        if (!MessageDigest.isEqual(computed, stored)) {
            throw corrupt(at + CSUM_AT, "checksum mismatch (" + alg.qemuName() + " over the binary header and the "
                    + "JSON area)");
        }
    }

    public boolean secondary() {
        return secondary;
    }

    public long hdrSize() {
        return hdrSize;
    }

    public long seqid() {
        return seqid;
    }

    public String label() {
        return label;
    }

    public String subsystem() {
        return subsystem;
    }

    public String checksumAlgorithm() {
        return checksumAlg;
    }

    public String uuid() {
        return uuid;
    }

    public long hdrOffset() {
        return hdrOffset;
    }

    /**
     * A NUL-terminated field as cryptsetup reads it (the last byte is always taken as the terminator); bytes
     * outside printable ASCII shown as '?', so that a hostile header never puts control characters in a message.
     */
    private static String text(byte[] b, int at, int len) {
        int end = at;
        while (end < at + len - 1 && b[end] != 0) {
            end++;
        }
        byte[] s = Arrays.copyOfRange(b, at, end);
        for (int i = 0; i < s.length; i++) {
            if (s[i] < 0x20 || s[i] > 0x7E) {
                s[i] = '?';
            }
        }
        return new String(s, StandardCharsets.US_ASCII);
    }

    static CorruptImageException corrupt(long offset, String why) {
        return new CorruptImageException("LUKS2 header", offset, why);
    }
}
