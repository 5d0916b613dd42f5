package dev.platter.inspect.xfs;

import dev.platter.core.CorruptImageException;

/**
 * A buffer log item's format region (xfs_buf_log_format, writer's byte order): type 0x123c, size (regions of the
 * item), flags (inode buffer, cancel, dquot buffers; the buffer type in the top five bits), len (512-byte blocks),
 * blkno (daddr of the buffer), map_size and the dirty bitmap, one bit per 128-byte chunk of the buffer. Each run of
 * set bits is one further region of the item holding those chunks' new bytes.
 */
record LogBufFormat(int size, int flags, int len, long blkno, int mapSize, int[] dataMap) {
    static final int CHUNK = 128;
    static final int INODE_BUF = 1;
    static final int CANCEL = 2;
    static final int UDQUOT_BUF = 4;
    static final int PDQUOT_BUF = 8;
    static final int GDQUOT_BUF = 16;
    static final int DQUOT_BUFS = UDQUOT_BUF | PDQUOT_BUF | GDQUOT_BUF;
    /** XFS_BLF_DATAMAP_SIZE: enough words for a 64 KiB buffer, plus one. */
    static final int MAX_MAP_WORDS = 64 * 1024 / CHUNK / 32 + 1;
    private static final int MAP_OFFSET = 20;

    static LogBufFormat parse(byte[] r, XfsLog log, long block) throws CorruptImageException {
        if (r.length < MAP_OFFSET) {
            throw log.corrupt(block, "buffer log format of " + r.length + " bytes");
        }
        int mapSize = (int) Math.min(Integer.MAX_VALUE, Le.u32(r, 16));
        if (mapSize > MAX_MAP_WORDS || MAP_OFFSET + 4L * mapSize > r.length) {
            throw log.corrupt(block, "buffer log format with a dirty map of " + Le.u32(r, 16) + " words in "
                    + r.length + " bytes");
        }
        int[] map = new int[mapSize];
        for (int i = 0; i < mapSize; i++) {
            map[i] = Le.s32(r, MAP_OFFSET + 4 * i);
        }
        return new LogBufFormat(Le.u16(r, 2), Le.u16(r, 4), Le.u16(r, 6), Le.u64(r, 8), mapSize, map);
    }

    boolean bit(int i) {
        return i >= 0 && i < mapSize * 32 && (dataMap[i >>> 5] & (1 << (i & 31))) != 0;
    }

    /** xfs_next_bit: the first set bit at or after {@code from}, or -1. */
    int nextBit(int from) {
        for (int i = Math.max(0, from); i < mapSize * 32; i++) {
            if (bit(i)) {
                return i;
            }
        }
        return -1;
    }

    /** xfs_contig_bits: how many bits are set from {@code from} on. */
    int contigBits(int from) {
        int n = 0;
        while (bit(from + n)) {
            n++;
        }
        return n;
    }

    int bytes() {
        return len * 512;
    }
}
