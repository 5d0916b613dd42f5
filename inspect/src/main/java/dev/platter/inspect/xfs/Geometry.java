package dev.platter.inspect.xfs;

import dev.platter.core.CorruptImageException;

/**
 * Address arithmetic derived from a validated superblock: AG-encoded block numbers ("fsbno"), inode numbers and
 * 512-byte "daddr"s to byte offsets, and the directory's address spaces. Every translation checks that the
 * address lies inside the filesystem, so a corrupt pointer becomes a {@link CorruptImageException}.
 */
final class Geometry {
    /** Directory address spaces are 32 GiB apart: data, then leaf/node (hash index), then free index. */
    static final long DIR_SPACE_SIZE = 1L << 35;

    final Superblock sb;
    final int blockSize;
    final int blockLog;
    final long agBlocks;
    final long agCount;
    final int agBlkLog;
    final int inodeSize;
    final int inopbLog;
    final long dblocks;
    final int dirBlockSize;
    final int dirBlockFsbs;
    final long leafOffsetFsb;
    final long freeOffsetFsb;

    Geometry(Superblock sb) {
        this.sb = sb;
        this.blockSize = sb.blockSize();
        this.blockLog = sb.blockLog();
        this.agBlocks = sb.agBlocks();
        this.agCount = sb.agCount();
        this.agBlkLog = sb.agBlkLog();
        this.inodeSize = sb.inodeSize();
        this.inopbLog = sb.inopbLog();
        this.dblocks = sb.dblocks();
        this.dirBlockSize = blockSize << sb.dirBlkLog();
        this.dirBlockFsbs = 1 << sb.dirBlkLog();
        this.leafOffsetFsb = DIR_SPACE_SIZE >> blockLog;
        this.freeOffsetFsb = (2 * DIR_SPACE_SIZE) >> blockLog;
    }

    /** Blocks in AG {@code agno}: the last AG may be shorter. */
    long agLength(long agno) {
        return agno == agCount - 1 ? dblocks - agno * agBlocks : agBlocks;
    }

    /** Byte offset of AG {@code agno}'s first block. */
    long agStart(long agno) {
        return agno * agBlocks * blockSize;
    }

    /**
     * Byte offset of the run of {@code count} blocks starting at AG-encoded block {@code fsbno}, checking that the
     * whole run stays inside one AG (extents never cross AGs).
     */
    long fsbToByte(long fsbno, long count, String what) throws CorruptImageException {
        long agno = fsbno >>> agBlkLog;
        long agbno = fsbno & ((1L << agBlkLog) - 1);
        if (fsbno < 0 || agno >= agCount || count < 0 || agbno + count > agLength(agno) || count > agBlocks) {
            throw new CorruptImageException(what, -1, "block " + fsbno + " (AG " + agno + " block " + agbno + ") + "
                    + count + " lies outside the filesystem (" + agCount + " AGs of " + agBlocks + " blocks)");
        }
        return (agno * agBlocks + agbno) << blockLog;
    }

    long fsbToByte(long fsbno, String what) throws CorruptImageException {
        return fsbToByte(fsbno, 1, what);
    }

    /** The 512-byte disk address v5 metadata records as its own location. */
    static long daddr(long byteOffset) {
        return byteOffset >>> 9;
    }

    /** Byte offset of inode {@code ino}, after checking that the number can exist. */
    long inodeByte(long ino) throws CorruptImageException {
        int shift = agBlkLog + inopbLog;
        long agno = shift >= 64 ? 0 : ino >>> shift;
        long agbno = (ino >>> inopbLog) & ((1L << agBlkLog) - 1);
        long slot = ino & ((1L << inopbLog) - 1);
        if (ino <= 0 || agno >= agCount || agbno >= agLength(agno)) {
            throw new CorruptImageException("xfs inode " + Long.toUnsignedString(ino), -1,
                    "no such inode number (AG " + agno + " block " + agbno + " is outside the filesystem)");
        }
        return ((agno * agBlocks + agbno) << blockLog) + (slot << sb.inodeLog());
    }

    /** Bytes of data-device space, as the superblock says. */
    long deviceBytes() {
        return dblocks << blockLog;
    }
}
