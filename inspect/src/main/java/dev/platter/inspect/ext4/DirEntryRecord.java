package dev.platter.inspect.ext4;

/**
 * A linear directory entry: inode (0 = unused slot), rec_len (distance to the next entry), name length (one byte
 * with the filetype feature, two without), file type, then the name bytes.
 */
record DirEntryRecord(long inode, int recLen, int nameLen, int fileType, int nameOffset) {
    static final int HEADER = 8;

    /** rec_len, decoded for 64 KiB blocks where 0 and 65535 stand for 65536. */
    static int recLen(byte[] b, int off, int blockSize) {
        int len = Le.u16(b, off);
        if (blockSize < 65536) {
            return len;
        }
        if (len == 65535 || len == 0) {
            return blockSize;
        }
        return (len & 65532) | ((len & 3) << 16);
    }

    /** The smallest rec_len holding a name of {@code nameLen} bytes. */
    static int minRecLen(int nameLen) {
        return (HEADER + nameLen + 3) & ~3;
    }

    /**
     * Parses the entry at {@code off} in a region ending at {@code end}; returns null and a reason in
     * {@code why[0]} when it breaks the rules the kernel checks (ext4_check_dir_entry).
     */
    static DirEntryRecord parse(byte[] b, int off, int end, int blockSize, boolean fileTypeFeature,
                                long inodesCount, String[] why) {
        if (end - off < 12) {
            why[0] = "entry header overruns the block";
            return null;
        }
        long inode = Le.u32(b, off);
        int recLen = recLen(b, off + 4, blockSize);
        int nameLen = fileTypeFeature ? Le.u8(b, off + 6) : Le.u16(b, off + 6);
        int type = fileTypeFeature ? Le.u8(b, off + 7) : -1;
        if (recLen < 12) {
            why[0] = "rec_len " + recLen + " is smaller than the minimum 12";
        } else if ((recLen & 3) != 0) {
            why[0] = "rec_len " + recLen + " is not a multiple of 4";
        } else if (recLen < minRecLen(nameLen)) {
            why[0] = "rec_len " + recLen + " is too small for a " + nameLen + "-byte name";
        } else if (recLen > end - off) {
            why[0] = "rec_len " + recLen + " overruns the block";
        } else if (inode > inodesCount) {
            why[0] = "inode " + inode + " is beyond the inode count " + inodesCount;
        } else {
            return new DirEntryRecord(inode, recLen, nameLen, type, off + HEADER);
        }
        return null;
    }
}
