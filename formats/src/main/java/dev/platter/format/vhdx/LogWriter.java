package dev.platter.format.vhdx;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * Builds one log entry that writes whole 4 KiB sectors of the file (the changed sectors of the BAT): header and
 * descriptors, then one data sector per descriptor, the checksum over all of it. The entry is the whole sequence
 * (its tail is itself), and both file offsets are the file's size, as qemu's entries have them.
 */
final class LogWriter {
    private LogWriter() {
    }

    /** A 4 KiB-aligned sector of the file and its new bytes. */
    record SectorWrite(long fileOffset, byte[] bytes) {
    }

    /** How many sector writes fit one entry in a log of {@code logLength} bytes (one sector stays free). */
    static int capacity(long logLength) {
        long sectors = logLength / VhdxLog.SECTOR - 1;
        int n = (int) Math.min(sectors, Integer.MAX_VALUE);
        while (n > 0 && LogEntryHeader.descriptorSectors(n) + n > sectors) {
            n--;
        }
        return n;
    }

    static byte[] entry(long sequence, VhdxGuid logGuid, long tail, List<SectorWrite> writes, long fileSize) {
        int n = writes.size();
        long descSectors = LogEntryHeader.descriptorSectors(n);
        int length = (int) ((descSectors + n) * VhdxLog.SECTOR);
        byte[] out = new byte[length];
        ByteBuffer b = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
        new LogEntryHeader(0, length, tail, sequence, n, logGuid, fileSize, fileSize).write(b);
        for (int i = 0; i < n; i++) {
            SectorWrite w = writes.get(i);
            ByteBuffer data = ByteBuffer.wrap(w.bytes()).order(ByteOrder.LITTLE_ENDIAN);
            new LogDescriptor(false, data.getInt(4092) & 0xffffffffL, data.getLong(0), w.fileOffset(), sequence)
                    .write(b, LogEntryHeader.SIZE + i * LogDescriptor.SIZE);
            b.put((int) ((descSectors + i) * VhdxLog.SECTOR), VhdxLog.encodeDataSector(w.bytes(), sequence));
        }
        VhdxChecksum.seal(out, 0, length);
        return out;
    }
}
