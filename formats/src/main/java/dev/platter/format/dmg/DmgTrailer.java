package dev.platter.format.dmg;

import dev.platter.core.CorruptImageException;
import dev.platter.core.storage.Storage;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The UDIF trailer ("koly", 512 bytes, big-endian) near the end of a DMG, found and checked as qemu 7.2's dmg_open
 * finds and checks it: the first "koly" in the last 1023 bytes that leaves 512 bytes after it; the data fork, the
 * resource fork and the XML property list must lie before it.
 */
final class DmgTrailer {
    final long offset;
    final long dataForkOffset;
    final long rsrcForkOffset;
    final long rsrcForkLength;
    final long xmlOffset;
    final long xmlLength;
    final long sectors;

    private DmgTrailer(long offset, ByteBuffer k) {
        this.offset = offset;
        this.dataForkOffset = k.getLong(0x18);
        this.rsrcForkOffset = k.getLong(0x28);
        this.rsrcForkLength = k.getLong(0x30);
        this.xmlOffset = k.getLong(0xd8);
        this.xmlLength = k.getLong(0xe0);
        this.sectors = k.getLong(0x1ec);
    }

    static DmgTrailer find(Storage storage) throws IOException {
        String where = "dmg trailer of '" + storage.name() + "'";
        long length = storage.size();
        if (length < 512) {
            throw new CorruptImageException(where, -1, "dmg file must be at least 512 bytes long");
        }
        long from = length > 511 + 512 ? length - 511 - 512 : 0;
        byte[] tail = new byte[(int) (length - from)];
        storage.readFully(from, ByteBuffer.wrap(tail));
        for (int i = 0; i < tail.length - 511; i++) {
            if (tail[i] == 'k' && tail[i + 1] == 'o' && tail[i + 2] == 'l' && tail[i + 3] == 'y') {
                return check(new DmgTrailer(from + i, ByteBuffer.wrap(tail, i, 512).slice()), where);
            }
        }
        throw new CorruptImageException(where, -1, "Could not locate UDIF trailer in dmg file");
    }

    /** qemu's checks; qemu answers each with EINVAL and no message: Platter says which. */
    private static DmgTrailer check(DmgTrailer t, String where) throws CorruptImageException {
        if (Long.compareUnsigned(t.dataForkOffset, t.offset) > 0) {
            throw new CorruptImageException(where, t.offset + 0x18, "the data fork starts after the trailer");
        }
        if (Long.compareUnsigned(t.rsrcForkOffset, t.offset) >= 0
                || Long.compareUnsigned(t.rsrcForkLength, t.offset - t.rsrcForkOffset) > 0) {
            throw new CorruptImageException(where, t.offset + 0x28, "the resource fork does not lie before the "
                    + "trailer");
        }
        if (Long.compareUnsigned(t.xmlOffset, t.offset) >= 0
                || Long.compareUnsigned(t.xmlLength, t.offset - t.xmlOffset) > 0) {
            throw new CorruptImageException(where, t.offset + 0xd8, "the property list does not lie before the "
                    + "trailer");
        }
        if (t.sectors < 0 || t.sectors > Long.MAX_VALUE / 512) {
            throw new CorruptImageException(where, t.offset + 0x1ec, "a disk of "
                    + Long.toUnsignedString(t.sectors) + " sectors is more than a disk can hold");
        }
        if (t.rsrcForkLength == 0 && t.xmlLength == 0) {
            throw new CorruptImageException(where, t.offset, "neither a resource fork nor a property list");
        }
        return t;
    }
}
