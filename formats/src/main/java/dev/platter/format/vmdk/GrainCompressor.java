package dev.platter.format.vmdk;

import java.nio.ByteBuffer;
import java.util.zip.Deflater;

/**
 * Turns a grain into the record a stream-optimized extent stores: a grain marker (LBA, compressed size), the grain
 * as a zlib stream (RFC 1950, what qemu, VMware and libvmdk read), zeros up to the next sector. Compressed with
 * libdeflate where it loads ({@link LibDeflate}), else with the JDK's zlib. Thread-safe: each thread keeps its own
 * compressor, so that conversion workers compress in parallel; the output depends only on the grain, the level
 * and the library, never on the thread.
 */
final class GrainCompressor {
    private final ThreadLocal<Deflater> deflaters;
    /** libdeflate where it loads (faster, output no larger); else the JDK's zlib. */
    private final ThreadLocal<LibDeflate.Compressor> fast;
    private final ThreadLocal<byte[]> outputs;
    private final int grainBytes;
    private final int level;

    GrainCompressor(int grainBytes, int level) {
        this(grainBytes, level, LibDeflate.available());
    }

    /** @param libdeflate compress with libdeflate (which must be available), else with the JDK's zlib */
    GrainCompressor(int grainBytes, int level, boolean libdeflate) {
        this.grainBytes = grainBytes;
        this.level = level;
        this.deflaters = ThreadLocal.withInitial(() -> new Deflater(level));
        // zlib's bound for stored blocks plus the marker and the sector padding.
        this.outputs = ThreadLocal.withInitial(() -> new byte[recordBound(grainBytes)]);
        this.fast = libdeflate ? ThreadLocal.withInitial(() -> new LibDeflate.Compressor(level, grainBytes,
                recordBound(grainBytes))) : null;
        this.inputs = ThreadLocal.withInitial(() -> new byte[grainBytes]);
    }

    private final ThreadLocal<byte[]> inputs;

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
        if (fast == null) {
            return record(grain, lba, deflaters.get(), true);
        }
        byte[] in = inputs.get();
        int len = grain.remaining();
        grain.duplicate().get(in, 0, len);
        byte[] out = outputs.get();
        // Room for less than a grain: what does not shrink is stored as it is instead.
        int zlib = fast.get().compress(in, len, out, GrainMarker.GRAIN_HEADER, grainBytes - 1);
        if (zlib < 0) {
            return null;
        }
        return finish(out, GrainMarker.GRAIN_HEADER + zlib, lba, zlib);
    }

    private static ByteBuffer finish(byte[] out, int n, long lba, int zlib) {
        int padded = (n + 511) & ~511;
        ByteBuffer record = ByteBuffer.allocate(padded);
        record.put(out, 0, n).clear();
        GrainMarker.putGrainHeader(record, lba, zlib);
        return record;
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
        return finish(out, n, lba, zlib);
    }
}
