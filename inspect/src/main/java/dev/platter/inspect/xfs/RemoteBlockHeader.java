package dev.platter.inspect.xfs;

import dev.platter.core.CorruptImageException;

/**
 * The v5 header of a remote symlink block ("XSLM", one per extent of the link) or remote attribute value block
 * ("XARM", one per filesystem block): magic, offset u32 (of these bytes in the whole value), bytes u32, CRC, UUID,
 * owner u64, own disk address u64, LSN u64 (56 bytes).
 */
record RemoteBlockHeader(long offset, long bytes) {
    static final int SIZE = 56;
    static final int SYMLINK_MAGIC = 0x58534C4D; // XSLM
    static final int ATTR_MAGIC = 0x5841524D; // XARM
    static final int CRC_OFFSET = 0x0C;

    /** Parses and verifies the header at the start of {@code b}, whose CRC covers all of {@code b}. */
    static RemoteBlockHeader parse(byte[] b, int magic, long position, long owner, XfsContext ctx, String what)
            throws CorruptImageException {
        int found = Be.s32(b, 0);
        if (found != magic) {
            throw new CorruptImageException(what, position, "bad magic " + Be.magicText(found & 0xFFFFFFFFL)
                    + ", expected " + Be.magicText(magic) + " (a v5 remote block without its header)");
        }
        ctx.checksums.verify(b, 0, b.length, CRC_OFFSET, what, position);
        ctx.checkSelf(b, 0, position, 0x28, 0x10, 0x20, false, owner, what);
        return new RemoteBlockHeader(Be.u32(b, 4), Be.u32(b, 8));
    }
}
