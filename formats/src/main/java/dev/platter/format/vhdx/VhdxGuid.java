package dev.platter.format.vhdx;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * A GUID as VHDX stores it (Microsoft's layout: the first three fields little-endian, the last eight bytes as they
 * are), kept as its 16 stored bytes. Region and metadata items are named by the well-known ones below.
 */
record VhdxGuid(byte[] bytes) {
    static final VhdxGuid ZERO = new VhdxGuid(new byte[16]);
    static final VhdxGuid BAT_REGION = parse("2DC27766-F623-4200-9D64-115E9BFD4A08");
    static final VhdxGuid METADATA_REGION = parse("8B7CA206-4790-4B9A-B8FE-575F050F886E");
    static final VhdxGuid FILE_PARAMETERS = parse("CAA16737-FA36-4D43-B3B6-33F0AA44E76B");
    static final VhdxGuid VIRTUAL_DISK_SIZE = parse("2FA54224-CD1B-4876-B211-5DBED83BF4B8");
    static final VhdxGuid PAGE_83_DATA = parse("BECA12AB-B2E6-4523-93EF-C309E000C746");
    static final VhdxGuid LOGICAL_SECTOR_SIZE = parse("8141BF1D-A96F-4709-BA47-F233A8FAAB5F");
    static final VhdxGuid PHYSICAL_SECTOR_SIZE = parse("CDA348C7-445D-4471-9CC9-E9885251C556");
    static final VhdxGuid PARENT_LOCATOR = parse("A8D35F2D-B30B-454D-ABF7-D3D84834AB0C");

    private static final SecureRandom RANDOM = new SecureRandom();

    VhdxGuid {
        bytes = bytes.clone();
    }

    /** The 16 bytes at {@code at} of {@code b}. */
    static VhdxGuid read(ByteBuffer b, int at) {
        byte[] g = new byte[16];
        b.get(at, g);
        return new VhdxGuid(g);
    }

    /** A new random GUID (version 4, as libuuid's uuid_generate makes them; stored bytes as qemu stores them). */
    static VhdxGuid random() {
        byte[] g = new byte[16];
        RANDOM.nextBytes(g);
        g[6] = (byte) ((g[6] & 0x0f) | 0x40);
        g[8] = (byte) ((g[8] & 0x3f) | 0x80);
        return new VhdxGuid(g);
    }

    /** The text form (upper-case hex with dashes) to the stored bytes. */
    static VhdxGuid parse(String text) {
        byte[] big = HexFormat.of().parseHex(text.replace("-", ""));
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer in = ByteBuffer.wrap(big);
        b.putInt(in.getInt()).putShort(in.getShort()).putShort(in.getShort());
        b.put(big, 8, 8);
        return new VhdxGuid(b.array());
    }

    void write(ByteBuffer b, int at) {
        b.put(at, bytes);
    }

    boolean isZero() {
        return equals(ZERO);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof VhdxGuid g && Arrays.equals(bytes, g.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        return String.format("%08x-%04x-%04x-%s-%s", b.getInt(0), b.getShort(4) & 0xffff, b.getShort(6) & 0xffff,
                HexFormat.of().formatHex(bytes, 8, 10), HexFormat.of().formatHex(bytes, 10, 16));
    }
}
