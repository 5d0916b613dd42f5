package dev.platter.format.vpc;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.UUID;

/**
 * The 512-byte VHD footer ("hard disk footer"), big-endian: at the end of every VHD, and copied to offset 0 by
 * dynamic and differencing disks. Kept as the bytes read (qemu rewrites them unchanged when the file grows) with
 * the fields decoded.
 */
final class VhdFooter {
    static final int SIZE = 512;
    static final byte[] COOKIE = "conectix".getBytes(StandardCharsets.ISO_8859_1);
    static final int CHECKSUM_AT = 64;
    static final long NO_DATA_OFFSET = -1L;
    /** Seconds from the Unix epoch to 2000-01-01 00:00:00 UTC, the VHD timestamp's origin. */
    static final long TIMESTAMP_BASE = 946684800L;

    private final byte[] bytes;

    private VhdFooter(byte[] bytes) {
        this.bytes = bytes;
    }

    /** The footer in {@code raw} (512 bytes), whatever it holds. */
    static VhdFooter of(byte[] raw) {
        if (raw.length != SIZE) {
            throw new IllegalArgumentException("a VHD footer is 512 bytes");
        }
        return new VhdFooter(raw.clone());
    }

    static boolean hasCookie(ByteBuffer b, int at) {
        if (b.limit() < at + COOKIE.length) {
            return false;
        }
        for (int i = 0; i < COOKIE.length; i++) {
            if (b.get(at + i) != COOKIE[i]) {
                return false;
            }
        }
        return true;
    }

    byte[] bytes() {
        return bytes.clone();
    }

    private ByteBuffer buf() {
        return ByteBuffer.wrap(bytes); // big-endian
    }

    boolean cookieValid() {
        return hasCookie(buf(), 0);
    }

    int storedChecksum() {
        return buf().getInt(CHECKSUM_AT);
    }

    int computedChecksum() {
        return VhdChecksum.of(bytes, SIZE, CHECKSUM_AT);
    }

    boolean checksumValid() {
        return storedChecksum() == computedChecksum();
    }

    long dataOffset() {
        return buf().getLong(16);
    }

    long timestamp() {
        return buf().getInt(24) & 0xffffffffL;
    }

    /** The 4 creator bytes as stored ("qemu", "win ", "tap\0"). */
    byte[] creatorApp() {
        return Arrays.copyOfRange(bytes, 28, 32);
    }

    String creatorAppText() {
        return new String(creatorApp(), StandardCharsets.ISO_8859_1);
    }

    long originalSize() {
        return buf().getLong(40);
    }

    long currentSize() {
        return buf().getLong(48);
    }

    Geometry geometry() {
        return new Geometry(buf().getShort(56) & 0xffff, bytes[58] & 0xff, bytes[59] & 0xff);
    }

    int diskType() {
        return buf().getInt(60);
    }

    UUID uniqueId() {
        ByteBuffer b = buf();
        return new UUID(b.getLong(68), b.getLong(76));
    }

    /**
     * Whether qemu 7.2 sizes the disk by CHS geometry: unless the creator is one that sizes by current_size
     * (Hyper-V's "win ", qemu's own "qem2" for force_size, Disk2VHD's "d2v ", XenConverter's "CTXS", XenServer's
     * "tap\0"); anything else, Azure's "wa\0\0" included, is sized by geometry in qemu 7.2.
     */
    boolean sizedByGeometry() {
        String app = creatorAppText();
        return !(app.equals("win ") || app.equals("qem2") || app.equals("d2v ") || app.equals("CTXS")
                || app.equals("tap\0"));
    }

    /** qemu 7.2's total_sectors: geometry or current_size by creator, current_size for the maximum geometry. */
    long qemuSectors() {
        long chs = geometry().sectors();
        if (!sizedByGeometry() || chs == Geometry.MAX_SECTORS) {
            return currentSize() / 512; // qemu's unsigned division, then a signed 64-bit sector count
        }
        return chs;
    }

    /** A new footer, checksummed, as qemu's vpc_co_create fills it. */
    static VhdFooter create(VhdDiskType type, long size, Geometry g, boolean forceSize, UUID uuid, long timestamp) {
        ByteBuffer b = ByteBuffer.allocate(SIZE);
        b.put(COOKIE);
        b.putInt(8, 2); // features: the reserved bit, always set
        b.putInt(12, 0x00010000);
        b.putLong(16, type == VhdDiskType.FIXED ? NO_DATA_OFFSET : SIZE);
        b.putInt(24, (int) timestamp);
        b.put(28, (forceSize ? "qem2" : "qemu").getBytes(StandardCharsets.ISO_8859_1));
        b.putShort(32, (short) 5); // Virtual PC 2007's version, as qemu claims
        b.putShort(34, (short) 3);
        b.put(36, "Wi2k".getBytes(StandardCharsets.ISO_8859_1));
        b.putLong(40, size);
        b.putLong(48, size);
        b.putShort(56, (short) g.cylinders());
        b.put(58, (byte) g.heads());
        b.put(59, (byte) g.sectorsPerTrack());
        b.putInt(60, type.code);
        b.putLong(68, uuid.getMostSignificantBits());
        b.putLong(76, uuid.getLeastSignificantBits());
        byte[] raw = b.array();
        ByteBuffer.wrap(raw).putInt(CHECKSUM_AT, VhdChecksum.of(raw, SIZE, CHECKSUM_AT));
        return new VhdFooter(raw);
    }

    /** Seconds since 2000-01-01 now, truncated to 32 bits as qemu stores them. */
    static long now() {
        return System.currentTimeMillis() / 1000 - TIMESTAMP_BASE;
    }
}
