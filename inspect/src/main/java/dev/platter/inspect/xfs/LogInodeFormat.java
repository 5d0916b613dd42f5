package dev.platter.inspect.xfs;

import dev.platter.core.CorruptImageException;

/**
 * An inode log item's format region (xfs_inode_log_format, writer's byte order, 56 bytes; 52 as 32-bit hosts
 * packed it): size (regions: format, log dinode, data fork, attribute fork), fields (which of them were logged),
 * asize and dsize (fork bytes), ino, the device number, and where the inode lies: blkno, len (of its cluster
 * buffer, in 512-byte blocks) and boffset (within that buffer).
 */
record LogInodeFormat(int size, long fields, int asize, int dsize, long ino, long rdev, long blkno, int len,
                      int boffset) {
    static final int CORE = 0x001;
    static final int DDATA = 0x002;
    static final int DEXT = 0x004;
    static final int DBROOT = 0x008;
    static final int DEV = 0x010;
    static final int ADATA = 0x040;
    static final int AEXT = 0x080;
    static final int ABROOT = 0x100;
    static final int DOWNER = 0x200;
    static final int AOWNER = 0x400;
    static final int DFORK = DDATA | DEXT | DBROOT;
    static final int AFORK = ADATA | AEXT | ABROOT;

    static LogInodeFormat parse(byte[] r, XfsLog log, long block) throws CorruptImageException {
        if (r.length == 56) {
            return new LogInodeFormat(Le.u16(r, 2), Le.u32(r, 4), Le.u16(r, 8), Le.u16(r, 10), Le.u64(r, 16),
                    Le.u32(r, 24), Le.u64(r, 40), Le.s32(r, 48), Le.s32(r, 52));
        }
        if (r.length == 52) {
            return new LogInodeFormat(Le.u16(r, 2), Le.u32(r, 4), Le.u16(r, 8), Le.u16(r, 10), Le.u64(r, 12),
                    Le.u32(r, 20), Le.u64(r, 36), Le.s32(r, 44), Le.s32(r, 48));
        }
        throw log.corrupt(block, "inode log format of " + r.length + " bytes (expected 56, or 52)");
    }
}
