package dev.platter.format.vmdk;

import dev.platter.core.CorruptImageException;
import dev.platter.core.storage.Storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
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

    private static final ThreadLocal<LibDeflate.Decompressor[]> DECOMPRESSORS = ThreadLocal.withInitial(
            () -> new LibDeflate.Decompressor[1]);

    private static int withLibDeflate(byte[] in, int len, byte[] out, long recordOffset) throws IOException {
        LibDeflate.Decompressor[] holder = DECOMPRESSORS.get();
        if (holder[0] == null || holder[0].maxIn() < len) {
            holder[0] = new LibDeflate.Decompressor(Math.max(len, 2 * out.length), out.length);
        }
        int n = holder[0].decompress(in, len, out);
        if (n == -LibDeflate.INSUFFICIENT_SPACE) {
            throw new CorruptImageException("vmdk compressed grain", recordOffset, "inflates to more than one "
                    + "grain (" + out.length + " bytes)");
        }
        if (n < 0) {
            throw new CorruptImageException("vmdk compressed grain", recordOffset, "not a zlib stream, or one cut "
                    + "short");
        }
        return n;
    }

    /** Each reading thread's inflater and input buffer, reused grain after grain. */
    private static final ThreadLocal<Inflater> INFLATERS = ThreadLocal.withInitial(Inflater::new);
    private static final ThreadLocal<byte[][]> INPUTS = ThreadLocal.withInitial(() -> new byte[1][]);

    /**
     * Inflates the grain whose record starts at {@code recordOffset} into {@code out} (one grain long).
     *
     * @return the bytes inflated (fewer than a grain only for a short last grain)
     */
    static int inflate(Storage file, long recordOffset, boolean markers, byte[] out) throws IOException {
        int grainBytes = out.length;
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
        byte[][] holder = INPUTS.get();
        if (holder[0] == null || holder[0].length < dataLength) {
            holder[0] = new byte[(int) Math.max(dataLength, grainBytes + 1024)];
        }
        byte[] in = holder[0];
        ByteBuffer input = ByteBuffer.wrap(in, 0, (int) dataLength);
        int got = file.readAt(dataOffset, input);
        if (got < dataLength) {
            Arrays.fill(in, Math.max(0, got), (int) dataLength, (byte) 0); // past the end: zeros, as qemu reads them
        }
        if (LibDeflate.available()) {
            return withLibDeflate(in, (int) dataLength, out, recordOffset);
        }
        Inflater inflater = INFLATERS.get();
        inflater.reset();
        try {
            inflater.setInput(in, 0, (int) dataLength);
            int n = 0;
            while (n < out.length && !inflater.finished()) {
                int k = inflater.inflate(out, n, out.length - n);
                if (k == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    throw new CorruptImageException("vmdk compressed grain", recordOffset, "the zlib stream is "
                            + "truncated");
                }
                n += k;
            }
            if (!inflater.finished() && inflater.inflate(new byte[1]) != 0) {
                throw new CorruptImageException("vmdk compressed grain", recordOffset, "inflates to more than one "
                        + "grain (" + grainBytes + " bytes)");
            }
            if (!inflater.finished()) {
                throw new CorruptImageException("vmdk compressed grain", recordOffset, "the zlib stream is "
                        + "truncated");
            }
            return n;
        } catch (DataFormatException e) {
            throw new CorruptImageException("vmdk compressed grain", recordOffset, "not a zlib stream: "
                    + e.getMessage());
        }
    }
}
