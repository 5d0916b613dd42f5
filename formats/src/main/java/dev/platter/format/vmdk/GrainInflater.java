package dev.platter.format.vmdk;

import dev.platter.core.CorruptImageException;
import dev.platter.core.storage.Storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Inflates one compressed grain as qemu does: the record at the grain table's sector (a grain marker when the
 * extent has markers, else a bare zlib stream), at most two grains of input, and the output bounded to one grain;
 * the stream must end inside it. Bytes past the end of the file read as zeros.
 */
final class GrainInflater {
    private GrainInflater() {
    }

    /** @return the grain's bytes (fewer than a grain only for a short last grain) */
    static byte[] inflate(Storage file, long recordOffset, boolean markers, int grainBytes) throws IOException {
        long inputLimit = 2L * grainBytes;
        long dataOffset = recordOffset;
        long dataLength = grainBytes;
        if (markers) {
            ByteBuffer head = ByteBuffer.allocate(16);
            file.readAt(recordOffset, head);
            GrainMarker marker = GrainMarker.parse(head.clear());
            dataLength = marker.compressedBytes();
            if (marker.size() == 0 || dataLength > inputLimit - GrainMarker.GRAIN_HEADER) {
                throw new CorruptImageException("vmdk grain marker", recordOffset, "compressed size " + dataLength
                        + " is not between 1 and " + (inputLimit - GrainMarker.GRAIN_HEADER) + " bytes");
            }
            dataOffset = recordOffset + GrainMarker.GRAIN_HEADER;
        }
        byte[] in = new byte[(int) dataLength];
        file.readAt(dataOffset, ByteBuffer.wrap(in)); // past the end: zeros, as qemu reads them
        byte[] out = new byte[grainBytes];
        Inflater inflater = new Inflater();
        try {
            inflater.setInput(in);
            int n = 0;
            while (n < out.length && !inflater.finished()) {
                int got = inflater.inflate(out, n, out.length - n);
                if (got == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    throw new CorruptImageException("vmdk compressed grain", recordOffset, "the zlib stream is "
                            + "truncated");
                }
                n += got;
            }
            if (!inflater.finished() && inflater.inflate(new byte[1]) != 0) {
                throw new CorruptImageException("vmdk compressed grain", recordOffset, "inflates to more than one "
                        + "grain (" + grainBytes + " bytes)");
            }
            if (!inflater.finished()) {
                throw new CorruptImageException("vmdk compressed grain", recordOffset, "the zlib stream is "
                        + "truncated");
            }
            if (n == out.length) {
                return out;
            }
            byte[] shorter = new byte[n];
            System.arraycopy(out, 0, shorter, 0, n);
            return shorter;
        } catch (DataFormatException e) {
            throw new CorruptImageException("vmdk compressed grain", recordOffset, "not a zlib stream: "
                    + e.getMessage());
        } finally {
            inflater.end();
        }
    }
}
