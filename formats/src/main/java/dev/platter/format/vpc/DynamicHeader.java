package dev.platter.format.vpc;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

/**
 * The 1024-byte dynamic disk header ("cxsparse") of dynamic and differencing VHDs, big-endian, at the footer's
 * data offset: where the block allocation table is, how many entries it has, the block size, and for a
 * differencing disk its parent (unique id, name, locators). qemu 7.2 reads only its first 512 bytes and ignores its
 * checksum; Platter reads the rest for the parent locators.
 */
final class DynamicHeader {
    static final int SIZE = 1024;
    static final byte[] COOKIE = "cxsparse".getBytes(StandardCharsets.ISO_8859_1);
    static final int CHECKSUM_AT = 36;
    static final int LOCATORS_AT = 576;
    static final int LOCATOR_COUNT = 8;

    private final byte[] bytes;

    private DynamicHeader(byte[] bytes) {
        this.bytes = bytes;
    }

    static DynamicHeader of(byte[] raw) {
        return new DynamicHeader(Arrays.copyOf(raw, SIZE));
    }

    private ByteBuffer buf() {
        return ByteBuffer.wrap(bytes);
    }

    boolean cookieValid() {
        return Arrays.equals(Arrays.copyOf(bytes, 8), COOKIE);
    }

    boolean checksumValid() {
        return buf().getInt(CHECKSUM_AT) == VhdChecksum.of(bytes, SIZE, CHECKSUM_AT);
    }

    long tableOffset() {
        return buf().getLong(16);
    }

    /** max_table_entries, unsigned. */
    long maxTableEntries() {
        return buf().getInt(28) & 0xffffffffL;
    }

    /** The block size in bytes, unsigned. */
    long blockSize() {
        return buf().getInt(32) & 0xffffffffL;
    }

    UUID parentId() {
        ByteBuffer b = buf();
        return new UUID(b.getLong(40), b.getLong(48));
    }

    /** The parent's name, UTF-16 big-endian, up to the first NUL. */
    String parentName() {
        String s = new String(bytes, 64, 512, StandardCharsets.UTF_16BE);
        int nul = s.indexOf('\0');
        return nul < 0 ? s : s.substring(0, nul);
    }

    /** The locators in use (platform code not zero). */
    List<ParentLocator> locators() {
        List<ParentLocator> out = new ArrayList<>();
        ByteBuffer b = buf();
        for (int i = 0; i < LOCATOR_COUNT; i++) {
            int at = LOCATORS_AT + 24 * i;
            int code = b.getInt(at);
            if (code != 0) {
                out.add(new ParentLocator(i, code, b.getInt(at + 4) & 0xffffffffL, b.getInt(at + 8) & 0xffffffffL,
                        b.getLong(at + 16)));
            }
        }
        return out;
    }

    /** A new header as qemu's create_dynamic_disk fills it: the BAT right after it, at sector 3. */
    static byte[] create(long tableOffset, long entries, long blockSize) {
        ByteBuffer b = ByteBuffer.allocate(SIZE);
        b.put(COOKIE);
        b.putLong(8, -1L); // all 64 bits, as Microsoft's tools expect (the specification says 32)
        b.putLong(16, tableOffset);
        b.putInt(24, 0x00010000);
        b.putInt(28, (int) entries);
        b.putInt(32, (int) blockSize);
        byte[] raw = b.array();
        ByteBuffer.wrap(raw).putInt(CHECKSUM_AT, VhdChecksum.of(raw, SIZE, CHECKSUM_AT));
        return raw;
    }
}
