package dev.platter.inspect.testing;

import dev.platter.core.BlockDevice;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * Fuzzer bytes as patches on the metadata of a good image, so that a coverage-guided fuzzer starts from a valid
 * filesystem and spends its mutations on the structures a reader parses instead of on megabytes of file data.
 *
 * <p>The patchable units are the non-zero 512-byte sectors a complete walk of the good image read (recorded through
 * an {@link OverlayDevice}). The input is a list of records {@code [unit:2][offset:2][n:1][n bytes]} (little
 * endian, unit and offset taken modulo their ranges, 1 to 8 bytes each), so one record can set a whole 64-bit
 * field and a comparison constant the fuzzer learned lands in the value bytes as it is.
 */
public final class FuzzPatches {
    public static final int UNIT = 512;

    private final BlockDevice base;
    private final long[] units;

    private FuzzPatches(BlockDevice base, long[] units) {
        this.base = base;
        this.units = units;
    }

    /** The non-zero sectors of {@code base} among the ranges {@code walk} read through a recording overlay. */
    public static FuzzPatches recordedBy(BlockDevice base, Walk walk) throws IOException {
        OverlayDevice recorder = new OverlayDevice(base);
        recorder.record();
        walk.run(recorder);
        TreeMap<Long, Boolean> sectors = new TreeMap<>();
        for (long[] r : recorder.recorded()) {
            for (long s = r[0] / UNIT; s * UNIT < r[0] + r[1] && s * UNIT < base.size(); s++) {
                sectors.putIfAbsent(s, Boolean.TRUE);
            }
        }
        List<Long> units = new ArrayList<>();
        ByteBuffer sector = ByteBuffer.allocate(UNIT);
        for (long s : sectors.keySet()) {
            sector.clear().limit((int) Math.min(UNIT, base.size() - s * UNIT));
            base.read(s * UNIT, sector);
            for (int i = 0; i < sector.limit(); i++) {
                if (sector.get(i) != 0) {
                    units.add(s * UNIT);
                    break;
                }
            }
        }
        return new FuzzPatches(base, units.stream().mapToLong(Long::longValue).toArray());
    }

    /** How many sectors the patches can reach. */
    public int units() {
        return units.length;
    }

    /** A damaged copy of the base: {@code data} applied as patch records from {@code from} on. */
    public OverlayDevice apply(byte[] data, int from) {
        OverlayDevice damaged = new OverlayDevice(base);
        int i = from;
        while (i + 5 <= data.length && units.length > 0) {
            int unit = Math.floorMod((data[i] & 0xFF) | (data[i + 1] & 0xFF) << 8, units.length);
            int offset = ((data[i + 2] & 0xFF) | (data[i + 3] & 0xFF) << 8) % UNIT;
            int n = 1 + (data[i + 4] & 7);
            i += 5;
            long at = units[unit] + offset;
            for (int k = 0; k < n && i < data.length && at + k < base.size(); k++, i++) {
                damaged.patch(at + k, data[i]);
            }
        }
        return damaged;
    }

    /** What a complete walk does with a device (open a filesystem and visit everything). */
    public interface Walk {
        void run(BlockDevice device) throws IOException;
    }
}
