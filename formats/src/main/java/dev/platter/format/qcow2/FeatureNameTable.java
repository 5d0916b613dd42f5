package dev.platter.format.qcow2;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The feature name table header extension: 48-byte entries {@code u8 type, u8 bit, char name[46]}. It lets a
 * reader name the feature bits it does not know, and qemu writes the full table into every v3 image with
 * clusters larger than 4 KiB.
 */
final class FeatureNameTable {
    static final int ENTRY_SIZE = 48;
    static final int INCOMPATIBLE = 0;
    static final int COMPATIBLE = 1;
    static final int AUTOCLEAR = 2;

    /** The table qemu 7.2 writes, in its order. */
    static final FeatureNameTable QEMU = new FeatureNameTable(List.of(
            new Feature(INCOMPATIBLE, 0, "dirty bit"),
            new Feature(INCOMPATIBLE, 1, "corrupt bit"),
            new Feature(INCOMPATIBLE, 2, "external data file"),
            new Feature(INCOMPATIBLE, 3, "compression type"),
            new Feature(INCOMPATIBLE, 4, "extended L2 entries"),
            new Feature(COMPATIBLE, 0, "lazy refcounts"),
            new Feature(AUTOCLEAR, 0, "bitmaps"),
            new Feature(AUTOCLEAR, 1, "raw external data")));

    record Feature(int type, int bit, String name) {
    }

    private final List<Feature> features;

    FeatureNameTable(List<Feature> features) {
        this.features = List.copyOf(features);
    }

    List<Feature> features() {
        return features;
    }

    /** Parses the extension payload; a trailing partial entry is ignored (qemu reads whole entries only). */
    static FeatureNameTable parse(byte[] data) {
        List<Feature> out = new ArrayList<>();
        for (int off = 0; off + ENTRY_SIZE <= data.length; off += ENTRY_SIZE) {
            int type = data[off] & 0xff;
            int bit = data[off + 1] & 0xff;
            int len = 0;
            while (len < ENTRY_SIZE - 2 && data[off + 2 + len] != 0) {
                len++;
            }
            out.add(new Feature(type, bit, new String(data, off + 2, len, StandardCharsets.UTF_8)));
        }
        return new FeatureNameTable(out);
    }

    byte[] toBytes() {
        ByteBuffer b = ByteBuffer.allocate(features.size() * ENTRY_SIZE);
        for (Feature f : features) {
            int start = b.position();
            b.put((byte) f.type).put((byte) f.bit);
            byte[] name = f.name.getBytes(StandardCharsets.UTF_8);
            b.put(name, 0, Math.min(name.length, ENTRY_SIZE - 2));
            b.position(start + ENTRY_SIZE);
        }
        return b.array();
    }

    /** Names of the set bits of {@code bits} (a feature field of the given type), unknown ones by number. */
    List<String> describe(int type, long bits) {
        Map<Integer, String> names = new LinkedHashMap<>();
        for (Feature f : features) {
            if (f.type == type && f.bit < 64) {
                names.putIfAbsent(f.bit, f.name);
            }
        }
        List<String> out = new ArrayList<>();
        for (int bit = 0; bit < 64; bit++) {
            if ((bits & (1L << bit)) != 0) {
                String name = names.get(bit);
                out.add(name != null ? name : "Unknown incompatible feature: " + Long.toHexString(1L << bit));
            }
        }
        return out;
    }
}
