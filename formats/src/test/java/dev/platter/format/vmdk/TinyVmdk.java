package dev.platter.format.vmdk;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.Deflater;

/**
 * Small hosted sparse extents built byte by byte for tests and fuzz seeds: header, embedded descriptor, grain
 * directory, grain tables and grains (plain, or compressed behind grain markers), with every field settable so that
 * hostile variants are one change away. Grain {@code i} holds the byte {@code i + 1} unless told otherwise.
 */
final class TinyVmdk {
    long capacity = 64;           // sectors
    long grainSize = 4;           // sectors
    int gtes = 4;                 // entries per grain table
    int version = 1;
    int flags = SparseHeader.FLAG_NEWLINE_TEST;
    boolean compressed;
    boolean gdAtEnd;
    String descriptor = descriptor("monolithicSparse", "SPARSE", "tiny.vmdk", 64, "");
    /** Grains written: index -> content byte; -1 a zeroed grain (GTE 1). */
    int[] grains = {0, 2, 5, 6, 15};

    static String descriptor(String createType, String type, String file, long sectors, String extra) {
        return "# Disk DescriptorFile\nversion=1\nCID=1234abcd\nparentCID=ffffffff\ncreateType=\"" + createType
                + "\"\n" + extra + "\n# Extent description\nRW " + sectors + " " + type + " \"" + file + "\"\n\n"
                + "# The Disk Data Base\n#DDB\n\nddb.virtualHWVersion = \"4\"\n";
    }

    /** Header sectors: 1; descriptor: 2 sectors at 1; GD at 3; GTs from 4; grains after. */
    byte[] build() {
        long gdEntries = (capacity + (long) gtes * grainSize - 1) / ((long) gtes * grainSize);
        int gtSectors = (gtes * 4 + 511) / 512;
        long gdSector = 3;
        long gtStart = gdSector + (gdEntries * 4 + 511) / 512;
        long dataStart = gtStart + gdEntries * gtSectors;
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        int[] gt = new int[(int) (gdEntries * gtes)];
        long next = dataStart;
        for (int g : grains) {
            if (g < 0) {
                gt[-g - 1] = 1;
                continue;
            }
            byte[] grain = new byte[(int) (grainSize * 512)];
            Arrays.fill(grain, (byte) (g + 1));
            byte[] record = compressed ? marker(g * grainSize, grain) : grain;
            gt[g] = (int) next;
            data.writeBytes(record);
            next += record.length / 512;
        }
        ByteBuffer f = ByteBuffer.allocate((int) (dataStart * 512 + data.size() + (gdAtEnd ? 1536 : 512)))
                .order(ByteOrder.LITTLE_ENDIAN);
        byte[] header = header(gdAtEnd ? -1 : gdSector, dataStart);
        f.put(0, header);
        f.put(512, descriptor.getBytes(StandardCharsets.UTF_8), 0, Math.min(1024, descriptor.length()));
        for (int i = 0; i < gdEntries; i++) {
            f.putInt((int) (gdSector * 512 + i * 4), (int) (gtStart + (long) i * gtSectors));
        }
        for (int i = 0; i < gt.length; i++) {
            f.putInt((int) (gtStart * 512 + (long) (i / gtes) * gtSectors * 512 + (i % gtes) * 4L), gt[i]);
        }
        f.put((int) (dataStart * 512), data.toByteArray());
        if (gdAtEnd) {
            int end = f.capacity() - 1536;
            f.putLong(end, 1).putInt(end + 12, GrainMarker.FOOTER);
            f.put(end + 512, header(gdSector, dataStart));
        }
        return f.array();
    }

    private byte[] header(long gdOffset, long overHead) {
        ByteBuffer h = ByteBuffer.allocate(512).order(ByteOrder.LITTLE_ENDIAN);
        h.put(SparseHeader.MAGIC);
        int f = flags | (compressed ? SparseHeader.FLAG_COMPRESSED | SparseHeader.FLAG_MARKERS : 0);
        h.putInt(4, compressed ? 3 : version).putInt(8, f).putLong(12, capacity).putLong(20, grainSize)
                .putLong(28, 1).putLong(36, 2).putInt(44, gtes).putLong(48, 0).putLong(56, gdOffset)
                .putLong(64, overHead);
        h.put(73, (byte) '\n').put(74, (byte) ' ').put(75, (byte) '\r').put(76, (byte) '\n');
        h.putShort(77, (short) (compressed ? 1 : 0));
        return h.array();
    }

    /** A grain marker with the zlib stream of {@code grain}, padded to whole sectors. */
    static byte[] marker(long lba, byte[] grain) {
        Deflater d = new Deflater();
        d.setInput(grain);
        d.finish();
        byte[] out = new byte[grain.length * 2 + 64];
        int n = d.deflate(out);
        d.end();
        ByteBuffer m = ByteBuffer.allocate((12 + n + 511) / 512 * 512).order(ByteOrder.LITTLE_ENDIAN);
        m.putLong(0, lba).putInt(8, n).put(12, out, 0, n);
        return m.array();
    }

    /** The disk content the grains describe. */
    byte[] content() {
        byte[] c = new byte[(int) (capacity * 512)];
        for (int g : grains) {
            if (g >= 0) {
                int from = (int) (g * grainSize * 512);
                Arrays.fill(c, from, (int) Math.min(c.length, from + grainSize * 512), (byte) (g + 1));
            }
        }
        return c;
    }
}
