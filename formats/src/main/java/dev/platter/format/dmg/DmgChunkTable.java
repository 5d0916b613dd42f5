package dev.platter.format.dmg;

import dev.platter.core.CorruptImageException;
import dev.platter.core.UnsupportedFeatureException;
import dev.platter.core.storage.Storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;

/**
 * The chunks of a DMG, read from its "mish" blocks as qemu 7.2 reads them: from the resource fork when it has one,
 * else from the XML property list ({@code <data>} elements, base64). Blocks that are not "mish" or are shorter than
 * 244 bytes are skipped, as are chunk types qemu does not know (comments, the terminator); a chunk that is not
 * all-zero may cover at most 64 MiB, and no chunk may hold more than 64 MiB in the file. Chunks are kept sorted by
 * sector and looked up by binary search.
 */
final class DmgChunkTable {
    static final long MAX_LENGTH = 64L << 20;
    static final long MAX_SECTORS = MAX_LENGTH / 512;
    /** qemu's cap on the property list (a sample had about 1 MiB). */
    static final long MAX_XML = 16L << 20;
    /** Platter's caps: a resource read in memory, and the chunks held. */
    static final long MAX_RESOURCE = 16L << 20;
    static final int MAX_CHUNKS = 1 << 22;
    private static final int MISH = 0x6d697368;

    private final DmgChunk[] chunks;

    private DmgChunkTable(DmgChunk[] chunks) {
        this.chunks = chunks;
    }

    static DmgChunkTable read(Storage storage, DmgTrailer t) throws IOException {
        List<DmgChunk> out = new ArrayList<>();
        String where = "dmg of '" + storage.name() + "'";
        if (t.rsrcForkLength != 0) {
            readResourceFork(storage, t, out, where);
        } else {
            readPlist(storage, t, out, where);
        }
        DmgChunk[] chunks = out.toArray(new DmgChunk[0]);
        java.util.Arrays.sort(chunks, Comparator.comparingLong(DmgChunk::sector));
        return new DmgChunkTable(chunks);
    }

    private static void readResourceFork(Storage storage, DmgTrailer t, List<DmgChunk> out, String where)
            throws IOException {
        long begin = t.rsrcForkOffset;
        long length = t.rsrcForkLength;
        long dataOffset = u32(storage, begin);
        if (dataOffset > length) {
            throw new CorruptImageException(where, begin, "the resource data starts past the resource fork");
        }
        long count = u32(storage, begin + 8);
        if (count == 0 || dataOffset + count > length) {
            throw new CorruptImageException(where, begin + 8, "the resource data does not fit the resource fork");
        }
        long offset = begin + dataOffset;
        long end = offset + count;
        while (offset < end) {
            long size = u32(storage, offset);
            if (size == 0 || size > end - offset) {
                throw new CorruptImageException(where, offset, "a resource of " + size + " bytes does not fit the "
                        + "resource data");
            }
            offset += 4;
            if (size > MAX_RESOURCE) {
                throw new UnsupportedFeatureException("dmg resources over " + MAX_RESOURCE + " bytes", where
                        + ": a resource of " + size + " bytes (Platter reads at most " + MAX_RESOURCE + ")");
            }
            byte[] buf = new byte[(int) size];
            storage.readFully(offset, ByteBuffer.wrap(buf));
            readMish(ByteBuffer.wrap(buf), t, out, where);
            offset += size;
        }
    }

    private static void readPlist(Storage storage, DmgTrailer t, List<DmgChunk> out, String where)
            throws IOException {
        if (t.xmlLength == 0 || t.xmlLength > MAX_XML) {
            throw new CorruptImageException(where, t.xmlOffset, "a property list of " + t.xmlLength + " bytes (qemu "
                    + "reads at most " + MAX_XML + ")");
        }
        byte[] xml = new byte[(int) t.xmlLength];
        storage.readFully(t.xmlOffset, ByteBuffer.wrap(xml));
        // qemu reads the list as a C string: it ends at the first NUL
        int limit = 0;
        while (limit < xml.length && xml[limit] != 0) {
            limit++;
        }
        String text = new String(xml, 0, limit, StandardCharsets.ISO_8859_1);
        int from = 0;
        while (true) {
            int begin = text.indexOf("<data>", from);
            if (begin < 0) {
                return;
            }
            begin += 6;
            int end = text.indexOf("</data>", begin);
            if (end < 0) {
                throw new CorruptImageException(where, t.xmlOffset + begin, "a <data> element is not closed");
            }
            readMish(ByteBuffer.wrap(base64(text.substring(begin, end))), t, out, where);
            from = end + 7;
        }
    }

    /** GLib's g_base64_decode, which qemu uses: characters outside the alphabet are skipped. */
    private static byte[] base64(String s) {
        StringBuilder clean = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/') {
                clean.append(c);
            } else if (c == '=') {
                break;
            }
        }
        int n = clean.length() / 4 * 4; // an incomplete last group is dropped
        return Base64.getDecoder().decode(clean.substring(0, n));
    }

    private static void readMish(ByteBuffer b, DmgTrailer t, List<DmgChunk> out, String where)
            throws IOException {
        int count = b.remaining();
        if (count < 244 || b.getInt(0) != MISH) {
            return; // not a block table: skipped, as qemu skips it
        }
        long outOffset = b.getLong(8);
        long inOffset = t.dataForkOffset + b.getLong(0x18);
        int entries = (count - 204) / 40;
        for (int i = 0; i < entries; i++) {
            int at = 204 + 40 * i;
            int type = b.getInt(at);
            if (!DmgChunk.kept(type)) {
                continue;
            }
            long sector = b.getLong(at + 8) + outOffset;
            long sectors = b.getLong(at + 0x10);
            if (type != DmgChunk.ZERO && Long.compareUnsigned(sectors, MAX_SECTORS) > 0) {
                throw new CorruptImageException(where, -1, "sector count " + Long.toUnsignedString(sectors)
                        + " for chunk " + out.size() + " is larger than max (" + MAX_SECTORS + ")");
            }
            long offset = b.getLong(at + 0x18) + inOffset;
            long length = b.getLong(at + 0x20);
            if (Long.compareUnsigned(length, MAX_LENGTH) > 0) {
                throw new CorruptImageException(where, -1, "length " + Long.toUnsignedString(length) + " for chunk "
                        + out.size() + " is larger than max (" + MAX_LENGTH + ")");
            }
            if (sector < 0 || sectors < 0 || sector > Long.MAX_VALUE - sectors) {
                throw new CorruptImageException(where, -1, "chunk " + out.size() + " covers sectors past any disk");
            }
            if (out.size() >= MAX_CHUNKS) {
                throw new UnsupportedFeatureException("dmg images of more than " + MAX_CHUNKS + " chunks", where
                        + ": more than " + MAX_CHUNKS + " chunks (Platter holds at most that many)");
            }
            out.add(new DmgChunk(type, sector, sectors, offset, length));
        }
    }

    /** The chunk covering {@code sector}, or null. */
    DmgChunk find(long sector) {
        int lo = 0;
        int hi = chunks.length - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            DmgChunk c = chunks[mid];
            if (c.sector() > sector) {
                hi = mid - 1;
            } else if (c.end() > sector) {
                return c;
            } else {
                lo = mid + 1;
            }
        }
        return null;
    }

    private static long u32(Storage storage, long at) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(4);
        storage.readFully(at, b);
        return Integer.toUnsignedLong(b.getInt(0));
    }
}
