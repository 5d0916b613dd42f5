package dev.platter.format.vhdx;

import dev.platter.core.CorruptImageException;
import dev.platter.core.storage.Storage;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The header pair and which one is current, chosen as qemu's vhdx_parse_header chooses: the only valid one, or the
 * valid one with the higher sequence number; equal numbers only when both headers are the same (Disk2VHD). An
 * update writes the other header with the next sequence number and makes it current; each update goes out twice,
 * as the specification asks, so that both headers end up valid and alike.
 */
final class VhdxHeaders {
    private static final long[] OFFSETS = {VhdxHeader.FIRST_OFFSET, VhdxHeader.SECOND_OFFSET};
    private final VhdxHeader[] headers;
    private int current;

    private VhdxHeaders(VhdxHeader[] headers, int current) {
        this.headers = headers;
        this.current = current;
    }

    static VhdxHeaders read(Storage file) throws IOException {
        VhdxHeader[] h = new VhdxHeader[2];
        for (int i = 0; i < 2; i++) {
            h[i] = VhdxHeader.parse(VhdxFile.readPadded(file, OFFSETS[i], VhdxHeader.SIZE));
        }
        int current;
        if (h[0] != null && h[1] == null) {
            current = 0;
        } else if (h[0] == null && h[1] != null) {
            current = 1;
        } else if (h[0] == null) {
            throw new CorruptImageException("vhdx headers", VhdxHeader.FIRST_OFFSET, "No valid VHDX header found "
                    + "(neither at 64 KiB nor at 128 KiB has signature 'head', version 1 and a valid CRC-32C)");
        } else {
            int order = Long.compareUnsigned(h[0].sequenceNumber(), h[1].sequenceNumber());
            if (order == 0 && !h[0].sameAs(h[1])) {
                throw new CorruptImageException("vhdx headers", VhdxHeader.FIRST_OFFSET, "both headers have "
                        + "sequence number " + Long.toUnsignedString(h[0].sequenceNumber()) + " but differ");
            }
            current = order >= 0 ? 0 : 1;
        }
        return new VhdxHeaders(h, current);
    }

    VhdxHeader current() {
        return headers[current];
    }

    long currentOffset() {
        return OFFSETS[current];
    }

    /**
     * qemu's vhdx_update_headers: twice, the other header becomes current with the next sequence number, this
     * session's file write GUID, a new data write GUID when asked, and {@code logGuid} when not null. Each header
     * write is synced unless barriers are off (the order is what makes an update atomic).
     */
    void update(Storage file, VhdxGuid session, boolean newDataGuid, VhdxGuid logGuid, boolean sync)
            throws IOException {
        for (int round = 0; round < 2; round++) {
            VhdxHeader active = headers[current];
            int other = 1 - current;
            VhdxHeader next = active.next(session, newDataGuid ? VhdxGuid.random() : active.dataWriteGuid(),
                    logGuid != null ? logGuid : active.logGuid());
            byte[] block = next.encodeOver(VhdxFile.readPadded(file, OFFSETS[other], VhdxHeader.SIZE));
            file.write(OFFSETS[other], ByteBuffer.wrap(block, 0, VhdxHeader.FIELDS));
            if (sync) {
                file.flush();
            }
            headers[other] = next;
            current = other;
        }
    }

    /** The two headers of a new disk: a random sequence number in the first, the next one in the second. */
    static void writeNew(Storage file, long logLength) throws IOException {
        long sequence = Integer.toUnsignedLong(new java.security.SecureRandom().nextInt());
        VhdxHeader h = new VhdxHeader(sequence, VhdxGuid.random(), VhdxGuid.random(), VhdxGuid.ZERO, 0, 1,
                logLength, VhdxLog.MIN_OFFSET);
        for (int i = 0; i < 2; i++) {
            byte[] block = h.encodeOver(new byte[VhdxHeader.SIZE]);
            file.write(OFFSETS[i], ByteBuffer.wrap(block, 0, VhdxHeader.FIELDS));
            h = h.next(h.fileWriteGuid(), h.dataWriteGuid(), h.logGuid());
        }
    }
}
