package dev.platter.inspect.lvm;

import dev.platter.core.BlockDevice;
import dev.platter.core.CorruptImageException;
import dev.platter.inspect.volume.LittleEndian;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The 512-byte header of a metadata area (lib/format_text/layout.h, {@code mda_header}) and its raw locations.
 *
 * @param start        the PV byte offset of this area, as recorded
 * @param size         the whole area, header included
 * @param rawLocations the {@code raw_locn} entries; slot 0 locates the committed metadata text
 */
public record MdaHeader(long start, long size, List<RawLocation> rawLocations) {
    public static final int SIZE = 512;
    static final String MAGIC = " LVM2 x[5A%r0N*>";
    private static final int MAX_LOCATIONS = 8;

    /**
     * One {@code raw_locn}: where a copy of the metadata text is in the area's ring.
     *
     * @param offset   bytes from the start of the area
     * @param size     bytes of text, its NUL terminator included
     * @param checksum lvm CRC of the text
     * @param ignored  flag 1: this copy must not be used
     */
    public record RawLocation(long offset, long size, int checksum, boolean ignored) {
    }

    /** Reads and checks the header of the metadata area {@code area} of {@code pv}. */
    public static MdaHeader read(BlockDevice pv, DiskArea area) throws IOException {
        String what = "LVM2 metadata area header";
        if (area.offset() + SIZE > pv.size()) {
            throw new CorruptImageException(what, area.offset(), "lies past the end of the PV");
        }
        byte[] b = pv.readBytes(area.offset(), SIZE);
        if (LittleEndian.u32(b, 0) != (LvmCrc.of(b, 4, SIZE - 4) & 0xFFFFFFFFL)) {
            throw new CorruptImageException(what, area.offset(), "checksum mismatch");
        }
        if (!new String(b, 4, 16, StandardCharsets.ISO_8859_1).equals(MAGIC)) {
            throw new CorruptImageException(what, area.offset(), "bad magic");
        }
        long version = LittleEndian.u32(b, 0x14);
        if (version != 1) {
            throw new CorruptImageException(what, area.offset(), "version " + version + ", expected 1");
        }
        long start = LittleEndian.u64(b, 0x18);
        long size = LittleEndian.u64(b, 0x20);
        if (start != area.offset()) {
            throw new CorruptImageException(what, area.offset(), "says it starts at " + start);
        }
        if (size <= SIZE || size > pv.size() - start) {
            throw new CorruptImageException(what, area.offset(), "area size " + Long.toUnsignedString(size)
                    + " does not fit the PV");
        }
        List<RawLocation> locations = new ArrayList<>();
        for (int p = 0x28; p + 24 <= SIZE && locations.size() < MAX_LOCATIONS; p += 24) {
            long off = LittleEndian.u64(b, p);
            long len = LittleEndian.u64(b, p + 8);
            if (off == 0) {
                break;
            }
            locations.add(new RawLocation(off, len, (int) LittleEndian.u32(b, p + 16),
                    (LittleEndian.u32(b, p + 20) & 1) != 0));
        }
        return new MdaHeader(start, size, List.copyOf(locations));
    }

    /**
     * The committed metadata text (raw location 0), read from the ring with wrap-around and checked against its
     * checksum; trailing NULs are stripped. Null when the area holds no metadata or the copy is marked ignored.
     */
    public String committedText(BlockDevice pv, int maxBytes) throws IOException {
        if (rawLocations.isEmpty()) {
            return null;
        }
        RawLocation loc = rawLocations.get(0);
        String what = "LVM2 metadata text";
        if (loc.ignored()) {
            return null;
        }
        long ring = size - SIZE;
        if (loc.offset() < SIZE || loc.offset() >= size || loc.size() <= 0 || loc.size() > ring) {
            throw new CorruptImageException(what, start + loc.offset(), "location " + loc.offset() + "+" + loc.size()
                    + " does not fit the metadata area of " + size + " bytes");
        }
        if (loc.size() > maxBytes) {
            throw new CorruptImageException(what, start + loc.offset(), "is " + loc.size()
                    + " bytes, more than the " + maxBytes + " accepted");
        }
        byte[] text = new byte[(int) loc.size()];
        long first = Math.min(loc.size(), size - loc.offset());
        pv.read(start + loc.offset(), java.nio.ByteBuffer.wrap(text, 0, (int) first));
        if (first < loc.size()) {
            // The text wraps around the end of the ring and continues just after the header.
            pv.read(start + SIZE, java.nio.ByteBuffer.wrap(text, (int) first, (int) (loc.size() - first)));
        }
        if (LvmCrc.of(text, 0, text.length) != loc.checksum()) {
            throw new CorruptImageException(what, start + loc.offset(), "checksum mismatch");
        }
        int n = text.length;
        while (n > 0 && text[n - 1] == 0) {
            n--;
        }
        return new String(text, 0, n, StandardCharsets.UTF_8);
    }
}
