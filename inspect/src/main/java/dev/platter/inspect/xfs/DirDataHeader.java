package dev.platter.inspect.xfs;

import dev.platter.core.CorruptImageException;

/**
 * The header of a directory data block: the single block of a block-form directory ("XD2B" / "XDB3") or a data
 * block of a larger one ("XD2D" / "XDD3"). v4: magic and three best-free pairs (16 bytes); v5 (xfs_dir3_data_hdr):
 * magic, CRC, own disk address, LSN, UUID, owner, best-free pairs, padding (64 bytes). A block-form block ends with
 * its hash entries and a tail {count u32, stale u32}.
 */
record DirDataHeader(boolean blockForm, int size) {
    static final int BLOCK_MAGIC = 0x58443242; // XD2B
    static final int DATA_MAGIC = 0x58443244; // XD2D
    static final int BLOCK3_MAGIC = 0x58444233; // XDB3
    static final int DATA3_MAGIC = 0x58444433; // XDD3
    static final int CRC_OFFSET = 4;

    /** Null when the block has neither a data nor a block magic (e.g. a leaf block or garbage). */
    static DirDataHeader peek(byte[] b, boolean v5) {
        int magic = Be.s32(b, 0);
        if (magic == (v5 ? BLOCK3_MAGIC : BLOCK_MAGIC)) {
            return new DirDataHeader(true, v5 ? 64 : 16);
        }
        if (magic == (v5 ? DATA3_MAGIC : DATA_MAGIC)) {
            return new DirDataHeader(false, v5 ? 64 : 16);
        }
        return null;
    }

    /** Parses and (v5) verifies the header of a data block of directory {@code owner} read from {@code position}. */
    static DirDataHeader parse(byte[] b, long position, long owner, XfsContext ctx, String what)
            throws CorruptImageException {
        DirDataHeader h = peek(b, ctx.v5);
        if (h == null) {
            throw new CorruptImageException(what, position, "bad magic " + Be.magicText(Be.u32(b, 0))
                    + " for a directory data block");
        }
        if (ctx.v5) {
            ctx.checksums.verify(b, 0, b.length, CRC_OFFSET, what, position);
            ctx.checkSelf(b, 0, position, 0x08, 0x18, 0x28, false, owner, what);
        }
        return h;
    }

    /** Where entries stop: the end of the block, or for block form the start of its hash entries. */
    int entriesEnd(byte[] b, long position, String what) throws CorruptImageException {
        if (!blockForm) {
            return b.length;
        }
        long count = Be.u32(b, b.length - 8);
        long end = b.length - 8 - count * DirLeafEntries.ENTRY_SIZE;
        if (end < size) {
            throw new CorruptImageException(what, position, "block tail claims " + count + " hash entries");
        }
        return (int) end;
    }

    /** The block-form hash entries (count from the tail). */
    DirLeafEntries blockLeaf(byte[] b, long position, String what) throws CorruptImageException {
        int end = entriesEnd(b, position, what);
        return DirLeafEntries.parse(b, end, (int) Be.u32(b, b.length - 8), position, what);
    }
}
