package dev.platter.format.vhdx;

import dev.platter.core.CorruptImageException;
import dev.platter.core.UnsupportedFeatureException;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The region table (64 KiB at 192 KiB; a copy at 256 KiB that qemu never reads): where the BAT and the metadata
 * region lie. Read as qemu reads it: checksum, signature, at most 2047 entries, no region overlapping another or
 * the log, BAT and metadata exactly once each, an unknown region refused only when marked required.
 */
record RegionTable(Region bat, Region metadata) {
    static final long OFFSET = 192 << 10;
    static final long COPY_OFFSET = 256 << 10;
    static final int SIZE = 64 << 10;
    static final int SIGNATURE = 0x69676572; // "regi"
    static final int MAX_ENTRIES = 2047;
    private static final int REQUIRED = 1;

    /** One region: where it lies in the file. */
    record Region(long offset, long length) {
        long end() {
            return offset + length;
        }

        boolean overlaps(long start, long len) {
            return !(start >= end() || start + len <= offset);
        }
    }

    static RegionTable parse(byte[] table, FileRegions regions) throws CorruptImageException,
            UnsupportedFeatureException {
        ByteBuffer b = ByteBuffer.wrap(table).order(ByteOrder.LITTLE_ENDIAN);
        String what = "vhdx region table";
        if (!VhdxChecksum.valid(table, 0, SIZE)) {
            throw new CorruptImageException(what, OFFSET, "checksum mismatch (CRC-32C over its 64 KiB)");
        }
        if (b.getInt(0) != SIGNATURE) {
            throw new CorruptImageException(what, OFFSET, "no 'regi' signature");
        }
        long count = b.getInt(8) & 0xffffffffL;
        if (count > MAX_ENTRIES) {
            throw new CorruptImageException(what, OFFSET, count + " entries (at most " + MAX_ENTRIES + ")");
        }
        Region bat = null;
        Region metadata = null;
        for (int i = 0; i < count; i++) {
            int at = 16 + 32 * i;
            VhdxGuid guid = VhdxGuid.read(b, at);
            Region r = new Region(b.getLong(at + 16), b.getInt(at + 24) & 0xffffffffL);
            long entryOffset = OFFSET + at;
            if (r.offset() < 0 || r.offset() > Long.MAX_VALUE - r.length()) {
                throw new CorruptImageException(what + " entry " + i, entryOffset, "offset " + Long.toUnsignedString(
                        r.offset()) + " lies beyond what a file can hold");
            }
            if (regions.overlaps(r.offset(), r.length())) {
                throw new CorruptImageException(what + " entry " + i, entryOffset, "region at " + r.offset()
                        + " (" + r.length() + " bytes) overlaps the log or another region");
            }
            regions.add(r.offset(), r.length());
            if (guid.equals(VhdxGuid.BAT_REGION)) {
                if (bat != null) {
                    throw new CorruptImageException(what + " entry " + i, entryOffset, "a second BAT region");
                }
                bat = r;
            } else if (guid.equals(VhdxGuid.METADATA_REGION)) {
                if (metadata != null) {
                    throw new CorruptImageException(what + " entry " + i, entryOffset, "a second metadata region");
                }
                metadata = r;
            } else if ((b.getInt(at + 28) & REQUIRED) != 0) {
                throw new UnsupportedFeatureException("vhdx region " + guid, "required vhdx region " + guid
                        + " is not known (region table entry " + i + ")");
            }
        }
        if (bat == null || metadata == null) {
            throw new CorruptImageException(what, OFFSET, "no " + (bat == null ? "BAT" : "metadata") + " region");
        }
        return new RegionTable(bat, metadata);
    }

    /** qemu's table: the BAT and the metadata region, neither marked required. */
    byte[] encode() {
        byte[] out = new byte[SIZE];
        ByteBuffer b = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, SIGNATURE);
        b.putInt(8, 2);
        VhdxGuid.BAT_REGION.write(b, 16);
        b.putLong(32, bat.offset());
        b.putInt(40, (int) bat.length());
        VhdxGuid.METADATA_REGION.write(b, 48);
        b.putLong(64, metadata.offset());
        b.putInt(72, (int) metadata.length());
        VhdxChecksum.seal(out, 0, SIZE);
        return out;
    }
}
