package dev.platter.inspect.xfs;

import dev.platter.core.CorruptImageException;

/**
 * An inode-create log item (xfs_icreate_log, 28 bytes; type and size in the writer's order, the rest big-endian):
 * a new inode chunk to initialise instead of logging its buffers: AG, first block, inode count, inode size, length
 * in blocks and the generation number the new inodes start with.
 */
record LogIcreate(long ag, long agbno, long count, long isize, long length, long gen) {
    static final int SIZE = 28;

    static LogIcreate parse(byte[] r, XfsLog log, long block) throws CorruptImageException {
        if (r.length < SIZE || Le.u16(r, 2) != 1) {
            throw log.corrupt(block, "icreate log item of " + r.length + " bytes, " + Le.u16(r, 2) + " regions");
        }
        return new LogIcreate(Be.u32(r, 4), Be.u32(r, 8), Be.u32(r, 12), Be.u32(r, 16), Be.u32(r, 20), Be.u32(r, 24));
    }
}
