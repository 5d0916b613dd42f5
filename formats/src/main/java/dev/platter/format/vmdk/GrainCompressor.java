package dev.platter.format.vmdk;

import java.nio.ByteBuffer;
import java.util.zip.Deflater;

/**
 * Turns a grain into the record a stream-optimized extent stores: a grain marker (LBA, compressed size), the grain
 * as a zlib stream (RFC 1950, what qemu, VMware and libvmdk read), zeros up to the next sector. Thread-safe: each
 * thread keeps its own deflater, so that conversion workers compress in parallel; the output depends only on the
 * grain and the level, never on the thread.
 */
final class GrainCompressor {
    private final ThreadLocal<Deflater> deflaters;
    private final ThreadLocal<byte[]> outputs;
    private final int grainBytes;
    private final int level;

    GrainCompressor(int grainBytes, int level) {
        this.grainBytes = grainBytes;
        this.level = level;
        this.deflaters = ThreadLocal.withInitial(() -> new Deflater(level));
        // zlib's bound for stored blocks plus the marker and the sector padding.
        this.outputs = ThreadLocal.withInitial(() -> new byte[recordBound(grainBytes)]);
    }

    int level() {
        return level;
    }

    /** The most bytes a record of {@code grainBytes} can take, stored blocks included. */
    static int recordBound(int grainBytes) {
        int zlib = grainBytes + 5 * (grainBytes / 16000 + 1) + 6 + 6;
        return (GrainMarker.GRAIN_HEADER + zlib + 511) & ~511;
    }

    /**
     * The record for {@code grain} (from its position to its limit, not consumed) at sector {@code lba}, or null
     * when deflate does not make the grain smaller (the caller then stores it with {@link #stored}).
     */
    ByteBuffer compress(ByteBuffer grain, long lba) {
        return record(grain, lba, deflaters.get(), true);
    }

    /** The record for {@code grain} kept as it is, in zlib's stored blocks: fast, and what incompressible data needs. */
    ByteBuffer stored(ByteBuffer grain, long lba) {
        Deflater d = new Deflater(Deflater.NO_COMPRESSION);
        try {
            return record(grain, lba, d, false);
        } finally {
            d.end();
        }
    }

    private ByteBuffer record(ByteBuffer grain, long lba, Deflater d, boolean onlyIfSmaller) {
        d.reset();
        d.setInput(grain.duplicate());
        d.finish();
        byte[] out = outputs.get();
        int n = GrainMarker.GRAIN_HEADER;
        while (!d.finished()) {
            int got = d.deflate(out, n, out.length - n);
            n += got;
            if (got == 0 && n == out.length) {
                throw new IllegalStateException("a grain record outgrew its bound");
            }
        }
        int zlib = n - GrainMarker.GRAIN_HEADER;
        if (onlyIfSmaller && zlib >= grainBytes) {
            return null;
        }
        int padded = (n + 511) & ~511;
        ByteBuffer record = ByteBuffer.allocate(padded);
        record.put(out, 0, n).clear();
        GrainMarker.putGrainHeader(record, lba, zlib);
        return record;
    }
}
