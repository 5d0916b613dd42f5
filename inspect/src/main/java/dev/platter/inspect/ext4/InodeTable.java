package dev.platter.inspect.ext4;

import dev.platter.core.CorruptImageException;

import java.io.IOException;

/** Inode records read and written through the writer's open transaction, sealed with their checksum on write. */
final class InodeTable {
    private final Superblock sb;
    private final TxBlocks tx;
    private final Allocator allocator;
    private final MetadataChecksums checksums;

    InodeTable(Superblock sb, TxBlocks tx, Allocator allocator, MetadataChecksums checksums) {
        this.sb = sb;
        this.tx = tx;
        this.allocator = allocator;
        this.checksums = checksums;
    }

    private long[] where(long ino) throws IOException {
        if (ino < 1 || ino > sb.inodesCount) {
            throw new CorruptImageException("ext inode " + ino, -1,
                    "inode number out of range (1 to " + sb.inodesCount + ")");
        }
        long g = (ino - 1) / sb.inodesPerGroup;
        long index = (ino - 1) % sb.inodesPerGroup;
        GroupDescriptor gd = allocator.group(g);
        if (gd.inodeTable() <= sb.firstDataBlock || gd.inodeTable() + sb.inodeTableBlocks > sb.blocksCount) {
            throw new CorruptImageException("ext group descriptor " + g, -1,
                    "inode table at block " + gd.inodeTable() + " lies outside the filesystem");
        }
        long byteInTable = index * sb.inodeSize;
        return new long[] {gd.inodeTable() + byteInTable / sb.blockSize, byteInTable % sb.blockSize};
    }

    /** A copy of inode {@code ino}'s record. */
    byte[] read(long ino) throws IOException {
        long[] w = where(ino);
        byte[] b = tx.read(w[0], "ext inode " + ino);
        byte[] raw = new byte[sb.inodeSize];
        System.arraycopy(b, (int) w[1], raw, 0, sb.inodeSize);
        if (raw.length > Inode.GOOD_OLD_SIZE) {
            int extra = Le.u16(raw, Inode.EXTRA_ISIZE);
            if (extra > raw.length - Inode.GOOD_OLD_SIZE || (extra & 3) != 0) {
                throw new CorruptImageException("ext inode " + ino, w[0] * sb.blockSize + w[1], "i_extra_isize "
                        + extra + " does not fit a " + raw.length + "-byte inode");
            }
        }
        return raw;
    }

    /** Stores inode {@code ino}'s record, sealed. */
    void write(long ino, byte[] raw) throws IOException {
        checksums.sealInode(raw, ino);
        long[] w = where(ino);
        byte[] b = tx.modify(w[0], "ext inode " + ino);
        System.arraycopy(raw, 0, b, (int) w[1], sb.inodeSize);
    }
}
