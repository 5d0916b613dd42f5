package dev.platter.inspect.xfs;

import java.time.Instant;

/**
 * An inode timestamp (xfs_timestamp_t): either {seconds s32, nanoseconds u32}, or with the inode's bigtime flag one
 * u64 counting nanoseconds from 1901-12-13T20:45:52Z (the smallest s32 second).
 */
final class XfsTimestamp {
    private static final long BIGTIME_EPOCH_OFFSET = 1L << 31;
    private static final long NANOS = 1_000_000_000L;

    private XfsTimestamp() {
    }

    static Instant decode(byte[] b, int off, boolean bigtime) {
        if (bigtime) {
            long value = Be.u64(b, off);
            long seconds = Long.divideUnsigned(value, NANOS) - BIGTIME_EPOCH_OFFSET;
            long nanos = Long.remainderUnsigned(value, NANOS);
            return Instant.ofEpochSecond(seconds, nanos);
        }
        long seconds = Be.s32(b, off);
        long nanos = Be.u32(b, off + 4);
        // A corrupt nanosecond field (>= 1e9) is folded into the seconds by ofEpochSecond rather than rejected.
        return Instant.ofEpochSecond(seconds, nanos);
    }
}
