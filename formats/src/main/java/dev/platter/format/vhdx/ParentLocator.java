package dev.platter.format.vhdx;

import dev.platter.core.CorruptImageException;
import dev.platter.core.UnsupportedFeatureException;
import dev.platter.core.storage.Storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A differencing disk's parent locator (metadata item): a locator type (only the VHDX one is defined), then
 * key/value pairs of UTF-16LE strings: {@code parent_linkage} (the parent's data write GUID, in braces),
 * {@code relative_path}, {@code volume_path}, {@code absolute_win32_path}. Bounded: at most 64 KiB, every string
 * inside the item.
 */
record ParentLocator(Map<String, String> entries) {
    static final VhdxGuid VHDX_PARENT = VhdxGuid.parse("B04AEFB7-D19E-4A81-B789-25B8E9445913");
    static final int MAX_SIZE = 64 << 10;
    private static final int HEADER = 20;
    private static final int ENTRY = 12;

    static ParentLocator read(Storage file, long offset, long length) throws IOException {
        String what = "vhdx parent locator";
        if (length < HEADER || length > MAX_SIZE) {
            throw new CorruptImageException(what, offset, length + " bytes long (20 bytes to 64 KiB)");
        }
        byte[] item = VhdxFile.readPadded(file, offset, (int) length);
        ByteBuffer b = ByteBuffer.wrap(item).order(ByteOrder.LITTLE_ENDIAN);
        VhdxGuid type = VhdxGuid.read(b, 0);
        if (!type.equals(VHDX_PARENT)) {
            throw new UnsupportedFeatureException("vhdx parent locator type " + type, "a parent locator of type "
                    + type + " (only VHDX parents, " + VHDX_PARENT + ", are defined)");
        }
        int count = b.getShort(18) & 0xffff;
        if (HEADER + (long) count * ENTRY > length) {
            throw new CorruptImageException(what, offset, count + " entries do not fit its " + length + " bytes");
        }
        Map<String, String> entries = new LinkedHashMap<>();
        for (int i = 0; i < count; i++) {
            int at = HEADER + i * ENTRY;
            String key = string(b, offset, i, b.getInt(at) & 0xffffffffL, b.getShort(at + 8) & 0xffff);
            String value = string(b, offset, i, b.getInt(at + 4) & 0xffffffffL, b.getShort(at + 10) & 0xffff);
            if (entries.put(key, value) != null) {
                throw new CorruptImageException(what, offset, "key '" + key + "' twice");
            }
        }
        return new ParentLocator(entries);
    }

    private static String string(ByteBuffer b, long offset, int entry, long at, int length)
            throws CorruptImageException {
        if (at > b.capacity() || length > b.capacity() - at || length % 2 != 0) {
            throw new CorruptImageException("vhdx parent locator", offset, "entry " + entry + " names " + length
                    + " bytes at " + at + ", outside the locator");
        }
        return new String(b.array(), (int) at, length, StandardCharsets.UTF_16LE);
    }

    /** The parent's file as a path relative to the child's folder ("parent.vhdx" for {@code .\parent.vhdx}), or null. */
    String relativePath() {
        String p = entries.get("relative_path");
        if (p == null || p.isEmpty()) {
            return null;
        }
        p = p.replace('\\', '/');
        while (p.startsWith("./")) {
            p = p.substring(2);
        }
        return p;
    }

    /** The GUIDs the parent's data write GUID may have: parent_linkage, then parent_linkage2. */
    boolean linksTo(VhdxGuid dataWriteGuid) {
        String want = "{" + dataWriteGuid + "}";
        for (String key : new String[] {"parent_linkage", "parent_linkage2"}) {
            String v = entries.get(key);
            if (v != null && v.equalsIgnoreCase(want)) {
                return true;
            }
        }
        return false;
    }

    /** The encoded item (for tests and, one day, for creating differencing disks). */
    static byte[] encode(Map<String, String> entries) {
        int strings = 0;
        for (Map.Entry<String, String> e : entries.entrySet()) {
            strings += 2 * (e.getKey().length() + e.getValue().length());
        }
        ByteBuffer b = ByteBuffer.allocate(HEADER + ENTRY * entries.size() + strings).order(ByteOrder.LITTLE_ENDIAN);
        VHDX_PARENT.write(b, 0);
        b.putShort(18, (short) entries.size());
        int at = HEADER + ENTRY * entries.size();
        int i = 0;
        for (Map.Entry<String, String> e : entries.entrySet()) {
            byte[] k = e.getKey().getBytes(StandardCharsets.UTF_16LE);
            byte[] v = e.getValue().getBytes(StandardCharsets.UTF_16LE);
            b.putInt(HEADER + i * ENTRY, at).putInt(HEADER + i * ENTRY + 4, at + k.length)
                    .putShort(HEADER + i * ENTRY + 8, (short) k.length)
                    .putShort(HEADER + i * ENTRY + 10, (short) v.length);
            b.put(at, k).put(at + k.length, v);
            at += k.length + v.length;
            i++;
        }
        return b.array();
    }
}
