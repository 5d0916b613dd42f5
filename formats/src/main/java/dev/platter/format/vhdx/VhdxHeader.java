package dev.platter.format.vhdx;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One of the two VHDX headers (4 KiB at 64 KiB and at 128 KiB; the checksum covers all 4 KiB, the fields the first
 * 80 bytes). The valid one with the higher sequence number is current; an update rewrites the other one.
 */
record VhdxHeader(long sequenceNumber, VhdxGuid fileWriteGuid, VhdxGuid dataWriteGuid, VhdxGuid logGuid,
                  int logVersion, int version, long logLength, long logOffset) {
    static final int SIZE = 4096;
    /** The fields; qemu writes only these and keeps the rest of the 4 KiB as it is on disk. */
    static final int FIELDS = 80;
    static final long FIRST_OFFSET = 64 << 10;
    static final long SECOND_OFFSET = 128 << 10;
    static final int SIGNATURE = 0x64616568; // "head"

    /** The header in {@code block} (4 KiB), or null when its signature, checksum or version is not valid. */
    static VhdxHeader parse(byte[] block) {
        ByteBuffer b = ByteBuffer.wrap(block).order(ByteOrder.LITTLE_ENDIAN);
        if (!VhdxChecksum.valid(block, 0, SIZE) || b.getInt(0) != SIGNATURE || (b.getShort(66) & 0xffff) != 1) {
            return null;
        }
        return new VhdxHeader(b.getLong(8), VhdxGuid.read(b, 16), VhdxGuid.read(b, 32), VhdxGuid.read(b, 48),
                b.getShort(64) & 0xffff, b.getShort(66) & 0xffff, b.getInt(68) & 0xffffffffL, b.getLong(72));
    }

    /** Whether two headers have the same fields (Disk2VHD writes two with equal sequence numbers). */
    boolean sameAs(VhdxHeader o) {
        return equals(o);
    }

    /** {@code block} (the 4 KiB on disk) with these fields and a new checksum. */
    byte[] encodeOver(byte[] block) {
        byte[] out = block.clone();
        ByteBuffer b = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, SIGNATURE);
        b.putLong(8, sequenceNumber);
        fileWriteGuid.write(b, 16);
        dataWriteGuid.write(b, 32);
        logGuid.write(b, 48);
        b.putShort(64, (short) logVersion);
        b.putShort(66, (short) version);
        b.putInt(68, (int) logLength);
        b.putLong(72, logOffset);
        VhdxChecksum.seal(out, 0, SIZE);
        return out;
    }

    VhdxHeader next(VhdxGuid fileWrite, VhdxGuid dataWrite, VhdxGuid log) {
        return new VhdxHeader(sequenceNumber + 1, fileWrite, dataWrite, log, logVersion, version, logLength,
                logOffset);
    }
}
