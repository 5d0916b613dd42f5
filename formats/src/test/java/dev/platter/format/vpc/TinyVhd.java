package dev.platter.format.vpc;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Builds small dynamic and differencing VHDs in memory, laid out as Windows lays them out (footer, header, table,
 * parent locator names, blocks, footer), for hostile-input, fuzz and differencing tests.
 */
final class TinyVhd {
    long size = 4L << 20;
    long blockSize = 1L << 20;
    VhdDiskType type = VhdDiskType.DYNAMIC;
    UUID id = new UUID(0x1111, 0x2222);
    UUID parentId = new UUID(0, 0);
    String parentName = "";
    /** Block index to (data, bitmap or null for all ones). */
    final Map<Integer, byte[][]> blocks = new LinkedHashMap<>();
    final List<Object[]> locators = new ArrayList<>(); // {code, name bytes}

    TinyVhd block(int index, byte[] data, byte[] bitmap) {
        blocks.put(index, new byte[][] {data, bitmap});
        return this;
    }

    TinyVhd locator(String code, String name) {
        byte[] b = code.startsWith("W2") ? name.getBytes(StandardCharsets.UTF_16LE)
                : name.getBytes(StandardCharsets.UTF_8);
        locators.add(new Object[] {code, b});
        return this;
    }

    static final int HEADER_AT = 512;
    static final int TABLE_AT = 1536;

    int entries() {
        return (int) ((size + blockSize - 1) / blockSize);
    }

    int tableBytes() {
        return (entries() * 4 + 511) & ~511;
    }

    byte[] build() {
        VhdFooter footer = VhdFooter.create(type == VhdDiskType.DIFFERENCING ? VhdDiskType.DYNAMIC : type, size,
                Geometry.MAX, true, id, 0);
        byte[] f = footer.bytes();
        ByteBuffer.wrap(f).putInt(60, type.code);
        fixChecksum(f, VhdFooter.SIZE, VhdFooter.CHECKSUM_AT);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(f);
        byte[] header = DynamicHeader.create(TABLE_AT, entries(), blockSize);
        ByteBuffer h = ByteBuffer.wrap(header);
        h.putLong(40, parentId.getMostSignificantBits()).putLong(48, parentId.getLeastSignificantBits());
        byte[] name = parentName.getBytes(StandardCharsets.UTF_16BE);
        System.arraycopy(name, 0, header, 64, Math.min(name.length, 512));
        long at = TABLE_AT + tableBytes();
        List<byte[]> names = new ArrayList<>();
        for (int i = 0; i < locators.size(); i++) {
            byte[] n = (byte[]) locators.get(i)[1];
            int space = (n.length + 511) & ~511;
            int e = DynamicHeader.LOCATORS_AT + 24 * i;
            h.putInt(e, ParentLocator.code((String) locators.get(i)[0])).putInt(e + 4, space / 512)
                    .putInt(e + 8, n.length).putLong(e + 16, at);
            names.add(Arrays.copyOf(n, space));
            at += space;
        }
        fixChecksum(header, DynamicHeader.SIZE, DynamicHeader.CHECKSUM_AT);
        out.writeBytes(header);
        long bitmapSize = VpcLayout.bitmapSize(blockSize);
        ByteBuffer table = ByteBuffer.allocate(tableBytes());
        Arrays.fill(table.array(), (byte) 0xff);
        long blockAt = at;
        for (int index : blocks.keySet()) {
            table.putInt(index * 4, (int) (blockAt / 512));
            blockAt += bitmapSize + blockSize;
        }
        out.writeBytes(table.array());
        names.forEach(out::writeBytes);
        for (byte[][] b : blocks.values()) {
            byte[] bitmap = b[1];
            if (bitmap == null) {
                bitmap = new byte[(int) bitmapSize];
                Arrays.fill(bitmap, (byte) 0xff);
            }
            out.writeBytes(Arrays.copyOf(bitmap, (int) bitmapSize));
            out.writeBytes(Arrays.copyOf(b[0], (int) blockSize));
        }
        out.writeBytes(f);
        return out.toByteArray();
    }

    static void fixChecksum(byte[] b, int length, int at) {
        ByteBuffer.wrap(b).putInt(at, VhdChecksum.of(b, length, at));
    }

    /** Re-checksums a patched footer at {@code at} (and its copy at 0 or the end). */
    static byte[] refooter(byte[] file) {
        byte[] head = Arrays.copyOf(file, VhdFooter.SIZE);
        fixChecksum(head, VhdFooter.SIZE, VhdFooter.CHECKSUM_AT);
        System.arraycopy(head, 0, file, 0, VhdFooter.SIZE);
        System.arraycopy(head, 0, file, file.length - VhdFooter.SIZE, VhdFooter.SIZE);
        return file;
    }

    /** Re-checksums a patched dynamic header. */
    static byte[] reheader(byte[] file) {
        byte[] h = Arrays.copyOfRange(file, HEADER_AT, HEADER_AT + DynamicHeader.SIZE);
        fixChecksum(h, DynamicHeader.SIZE, DynamicHeader.CHECKSUM_AT);
        System.arraycopy(h, 0, file, HEADER_AT, DynamicHeader.SIZE);
        return file;
    }
}
