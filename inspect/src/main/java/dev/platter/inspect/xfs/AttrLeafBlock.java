package dev.platter.inspect.xfs;

import dev.platter.core.CorruptImageException;

import java.util.ArrayList;
import java.util.List;

/**
 * An attribute leaf block (xfs_attr_leafblock / xfs_attr3_leafblock). After the block info: count u16,
 * usedbytes u16, firstused u16, holes u8, pad u8, three free-map pairs (v4 header 32 bytes, v5 80); then entries
 * {hashval u32, nameidx u16, flags u8, pad u8}. {@code nameidx} is the in-block offset of the name record: local
 * {valuelen u16, namelen u8, name, value} or remote {valueblk u32, valuelen u32, namelen u8, name}.
 */
final class AttrLeafBlock {
    private AttrLeafBlock() {
    }

    static int headerSize(boolean v5) {
        return v5 ? 80 : 32;
    }

    static List<AttrEntry> parse(byte[] b, boolean v5, long position, String what) throws CorruptImageException {
        int base = DaBlockInfo.size(v5);
        int count = Be.u16(b, base);
        int header = headerSize(v5);
        if (header + (long) count * 8 > b.length) {
            throw new CorruptImageException(what, position, count + " attribute entries do not fit in the block");
        }
        List<AttrEntry> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int e = header + i * 8;
            int nameIdx = Be.u16(b, e + 4);
            int flags = Be.u8(b, e + 6);
            if (nameIdx < header + count * 8 || nameIdx >= b.length) {
                throw new CorruptImageException(what, position + e, "attribute " + i + " points at offset "
                        + nameIdx);
            }
            if ((flags & AttrEntry.LOCAL) != 0) {
                if (nameIdx + 3 > b.length) {
                    throw new CorruptImageException(what, position + nameIdx, "local attribute header past the end");
                }
                int valueLen = Be.u16(b, nameIdx);
                int nameLen = Be.u8(b, nameIdx + 2);
                if (nameIdx + 3 + nameLen + valueLen > b.length) {
                    throw new CorruptImageException(what, position + nameIdx, "local attribute " + i
                            + " runs past the end of the block");
                }
                out.add(new AttrEntry(Be.slice(b, nameIdx + 3, nameLen), flags,
                        Be.slice(b, nameIdx + 3 + nameLen, valueLen), -1, -1));
            } else {
                if (nameIdx + 9 > b.length) {
                    throw new CorruptImageException(what, position + nameIdx, "remote attribute header past the end");
                }
                long valueBlk = Be.u32(b, nameIdx);
                long valueLen = Be.u32(b, nameIdx + 4);
                int nameLen = Be.u8(b, nameIdx + 8);
                if (nameIdx + 9 + nameLen > b.length) {
                    throw new CorruptImageException(what, position + nameIdx, "remote attribute " + i
                            + " name runs past the end of the block");
                }
                out.add(new AttrEntry(Be.slice(b, nameIdx + 9, nameLen), flags, null, valueBlk, valueLen));
            }
        }
        return out;
    }
}
