package dev.platter.inspect.xfs;

import dev.platter.core.CorruptImageException;

import java.time.Instant;
import java.util.Arrays;

/**
 * The fixed part of an on-disk inode (xfs_dinode): version 1 and 2 cores on v4 filesystems (100 bytes), version 3
 * on v5 (176 bytes). The forks (the "literal area") follow it up to the end of the inode.
 *
 * @param dataExtents data-fork extent count (u32 at 0x4C, or the u64 at 0x18 with the nrext64 flag)
 * @param attrExtents attribute-fork extent count (u16 at 0x50, or the u32 at 0x4C with nrext64)
 */
record InodeCore(int mode, int version, int format, long nlink, long uid, long gid, long projid,
                 Instant atime, Instant mtime, Instant ctime, Instant crtime, long size, long nblocks, long extsize,
                 long dataExtents, long attrExtents, int forkOff, int attrFormat, int flags, long gen,
                 long nextUnlinked, long flags2, long ino, byte[] uuid) {

    static final int MAGIC = 0x494E; // "IN"
    static final int V2_SIZE = 100;
    static final int V3_SIZE = 176;
    static final int CRC_OFFSET = 0x64;

    // Fork formats (xfs_dinode_fmt)
    static final int FMT_DEV = 0;
    static final int FMT_LOCAL = 1;
    static final int FMT_EXTENTS = 2;
    static final int FMT_BTREE = 3;

    static final int FLAG_REALTIME = 0x1;
    static final long FLAG2_BIGTIME = 0x8;
    static final long FLAG2_NREXT64 = 0x10;

    /**
     * Parses and checks the core of inode {@code ino} from {@code b[off ...]}, which holds the whole inode.
     *
     * @param v5       the filesystem is v5 (inodes must be version 3)
     * @param position byte offset of the inode, for messages
     */
    static InodeCore parse(byte[] b, int off, int inodeSize, boolean v5, long ino, long position)
            throws CorruptImageException {
        String what = "xfs inode " + Long.toUnsignedString(ino);
        if (Be.u16(b, off) != MAGIC) {
            throw new CorruptImageException(what, position, "bad magic 0x" + Integer.toHexString(Be.u16(b, off))
                    + " (expected 0x494e \"IN\")");
        }
        int version = Be.u8(b, off + 4);
        if (v5 ? version != 3 : version != 1 && version != 2) {
            throw new CorruptImageException(what, position, "inode version " + version + " on a v"
                    + (v5 ? 5 : 4) + " filesystem");
        }
        boolean v3 = version == 3;
        long flags2 = v3 ? Be.u64(b, off + 0x78) : 0;
        boolean bigtime = (flags2 & FLAG2_BIGTIME) != 0;
        boolean nrext64 = (flags2 & FLAG2_NREXT64) != 0;
        long dataExtents = nrext64 ? Be.u64(b, off + 0x18) : Be.u32(b, off + 0x4C);
        long attrExtents = nrext64 ? Be.u32(b, off + 0x4C) : Be.u16(b, off + 0x50);
        long nlink = version == 1 ? Be.u16(b, off + 0x06) : Be.u32(b, off + 0x10);
        long projid = version == 1 ? 0 : Be.u16(b, off + 0x14) | ((long) Be.u16(b, off + 0x16) << 16);
        long size = Be.u64(b, off + 0x38);
        if (size < 0) {
            throw new CorruptImageException(what, position, "negative size " + size);
        }
        return new InodeCore(
                Be.u16(b, off + 0x02), version, Be.u8(b, off + 0x05), nlink, Be.u32(b, off + 0x08),
                Be.u32(b, off + 0x0C), projid,
                XfsTimestamp.decode(b, off + 0x20, bigtime), XfsTimestamp.decode(b, off + 0x28, bigtime),
                XfsTimestamp.decode(b, off + 0x30, bigtime), v3 ? XfsTimestamp.decode(b, off + 0x90, bigtime) : null,
                size, Be.u64(b, off + 0x40), Be.u32(b, off + 0x48), dataExtents, attrExtents,
                Be.u8(b, off + 0x52), Be.u8(b, off + 0x53), Be.u16(b, off + 0x5A), Be.u32(b, off + 0x5C),
                Be.u32(b, off + 0x60), flags2, v3 ? Be.u64(b, off + 0x98) : ino,
                v3 ? Arrays.copyOfRange(b, off + 0xA0, off + 0xB0) : null);
    }

    /** Offset of the literal area (the forks) inside the inode. */
    int literalOffset() {
        return version == 3 ? V3_SIZE : V2_SIZE;
    }

    boolean isRealtime() {
        return (flags & FLAG_REALTIME) != 0;
    }
}
