package dev.platter.format.vhdx;

import java.nio.ByteBuffer;

/**
 * A log descriptor (32 bytes): "desc" names a 4 KiB data sector (its first 8 and last 4 bytes kept here, the rest
 * in the data sector that follows), "zero" a run of zeros; both at a 4 KiB-aligned file offset.
 */
record LogDescriptor(boolean zero, long trailingBytes, long leadingOrZeroLength, long fileOffset,
                     long sequenceNumber) {
    static final int SIZE = 32;
    static final int DATA = 0x63736564; // "desc"
    static final int ZEROS = 0x6f72657a; // "zero"

    /** The descriptor at {@code at}, or null when its signature is neither. */
    static LogDescriptor parse(ByteBuffer b, int at) {
        int sig = b.getInt(at);
        if (sig != DATA && sig != ZEROS) {
            return null;
        }
        return new LogDescriptor(sig == ZEROS, b.getInt(at + 4) & 0xffffffffL, b.getLong(at + 8),
                b.getLong(at + 16), b.getLong(at + 24));
    }

    /** qemu's vhdx_log_desc_is_valid. */
    boolean validFor(long entrySequence) {
        return sequenceNumber == entrySequence && fileOffset % VhdxLog.SECTOR == 0
                && (!zero || leadingOrZeroLength % VhdxLog.SECTOR == 0);
    }

    /** Bytes this descriptor writes. */
    long length() {
        return zero ? leadingOrZeroLength : VhdxLog.SECTOR;
    }

    void write(ByteBuffer b, int at) {
        b.putInt(at, zero ? ZEROS : DATA);
        b.putInt(at + 4, (int) trailingBytes);
        b.putLong(at + 8, leadingOrZeroLength);
        b.putLong(at + 16, fileOffset);
        b.putLong(at + 24, sequenceNumber);
    }
}
