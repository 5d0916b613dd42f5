package dev.platter.format.vhdx;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The 64-byte header that starts every log entry: its length (whole 4 KiB sectors), the tail of its sequence, its
 * sequence number, how many descriptors follow, the log GUID it belongs to, and the file sizes the entry assumes
 * (flushed: at least this long before replay; last: the size after it).
 */
record LogEntryHeader(int checksum, long entryLength, long tail, long sequenceNumber, long descriptorCount,
                      VhdxGuid logGuid, long flushedFileOffset, long lastFileOffset) {
    static final int SIZE = 64;
    static final int SIGNATURE = 0x65676f6c; // "loge"

    static boolean hasSignature(byte[] sector) {
        return ByteBuffer.wrap(sector).order(ByteOrder.LITTLE_ENDIAN).getInt(0) == SIGNATURE;
    }

    static LogEntryHeader parse(byte[] sector) {
        ByteBuffer b = ByteBuffer.wrap(sector).order(ByteOrder.LITTLE_ENDIAN);
        return new LogEntryHeader(b.getInt(4), b.getInt(8) & 0xffffffffL, b.getInt(12) & 0xffffffffL,
                b.getLong(16), b.getInt(24) & 0xffffffffL, VhdxGuid.read(b, 32), b.getLong(48), b.getLong(56));
    }

    /** qemu's vhdx_log_hdr_is_valid: within the log, whole sectors, a sequence number, this log, room for its
     * descriptors. */
    boolean validFor(long logLength, VhdxGuid activeLog) {
        return entryLength <= logLength && entryLength % VhdxLog.SECTOR == 0 && sequenceNumber != 0
                && logGuid.equals(activeLog) && descriptorCount * LogDescriptor.SIZE <= entryLength;
    }

    /** Sectors holding the header and the descriptors (126 in the first sector, 128 in each further one). */
    static long descriptorSectors(long descriptorCount) {
        return (descriptorCount + 2 + 127) / 128;
    }

    void write(ByteBuffer b) {
        b.putInt(0, SIGNATURE);
        b.putInt(4, checksum);
        b.putInt(8, (int) entryLength);
        b.putInt(12, (int) tail);
        b.putLong(16, sequenceNumber);
        b.putInt(24, (int) descriptorCount);
        logGuid.write(b, 32);
        b.putLong(48, flushedFileOffset);
        b.putLong(56, lastFileOffset);
    }
}
