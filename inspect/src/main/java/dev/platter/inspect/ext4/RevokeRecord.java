package dev.platter.inspect.ext4;

import dev.platter.core.CorruptImageException;

/**
 * A jbd2 revoke block: the 12-byte header, {@code r_count} (bytes used, header included), then 4- or 8-byte (64bit)
 * big-endian block numbers. A block revoked in transaction T is not replayed from any transaction up to T.
 */
final class RevokeRecord {
    static final int HEADER = 16;

    private RevokeRecord() {
    }

    /**
     * The block numbers of revoke block {@code b}, as the kernel reads them; an {@code r_count} past the block (less
     * its checksum tail) fails the recovery, as in the kernel.
     *
     * @param where names the block in errors
     */
    static long[] parse(byte[] b, JournalSuperblock jsb, String where, long offset) throws CorruptImageException {
        long count = Be.u32(b, 12);
        if (count > b.length - jsb.tailBytes()) {
            throw new CorruptImageException(where, offset, "revoke table of " + count + " bytes does not fit a "
                    + b.length + "-byte block");
        }
        int recordLen = jsb.is64Bit() ? 8 : 4;
        int n = count < HEADER ? 0 : (int) ((count - HEADER) / recordLen);
        long[] blocks = new long[n];
        for (int i = 0; i < n; i++) {
            int p = HEADER + i * recordLen;
            blocks[i] = recordLen == 4 ? Be.u32(b, p) : Be.i64(b, p);
        }
        return blocks;
    }
}
