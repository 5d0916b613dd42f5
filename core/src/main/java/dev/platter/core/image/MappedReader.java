package dev.platter.core.image;

import dev.platter.core.Extent;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Reads and maps a layer through its format's {@link ImageMapper}: host reads for data (zeros past the end of the
 * host file), zero filling, reads through the backing image for unallocated runs (zeros past its end), and the
 * allocation map composed with the backing chain, with the depth of the layer that answers. Thread-safe as far as
 * the mapper is; callers hold whatever lock the format needs.
 */
public final class MappedReader {
    /** Runs merged into one extent at most, so that a huge map of tiny runs still answers quickly. */
    private static final int MAX_MERGED_RUNS = 4096;

    private final ImageMapper mapper;
    private final LongSupplier size;
    private final Supplier<Image> backing;

    /**
     * @param size    the layer's virtual size
     * @param backing the layer's backing image, or null (asked every time: a layer may change its backing file)
     */
    public MappedReader(ImageMapper mapper, LongSupplier size, Supplier<Image> backing) {
        this.mapper = mapper;
        this.size = size;
        this.backing = backing;
    }

    /** Reads {@code dst.remaining()} bytes at {@code pos} (bounds checked by the caller). */
    public void read(long pos, ByteBuffer dst) throws IOException {
        while (dst.hasRemaining()) {
            MappedRun run = mapper.map(pos, dst.remaining());
            int n = (int) Math.min(run.length(), dst.remaining());
            ByteBuffer part = dst.slice(dst.position(), n);
            switch (run.kind()) {
                case DATA -> {
                    run.host().readAt(run.hostOffset(), part);
                    fillZero(part); // past the end of the host file: zeros
                }
                case ZERO -> fillZero(part);
                case UNALLOCATED -> readBacking(pos, part);
                case COMPRESSED -> mapper.readCompressed(run, pos, part);
                default -> throw new IllegalStateException(run.kind().toString());
            }
            dst.position(dst.position() + n);
            pos += n;
        }
    }

    /** Reads the backing image's bytes for an unallocated range: zeros past its end, or without one. */
    public void readBacking(long pos, ByteBuffer part) throws IOException {
        Image b = backing.get();
        if (b != null && pos < b.size()) {
            int n = (int) Math.min(part.remaining(), b.size() - pos);
            b.read(pos, part.slice(part.position(), n));
            part.position(part.position() + n);
        }
        fillZero(part);
    }

    /** The allocation status of the run at {@code pos}, composed with the backing chain (bounds checked). */
    public Extent mapping(long pos, long maxLen) throws IOException {
        long limit = Math.min(maxLen, size.getAsLong() - pos);
        Extent e = extentAt(pos, limit);
        int merged = 0;
        while (e.length() < limit && merged++ < MAX_MERGED_RUNS) {
            Extent next = extentAt(e.end(), limit - e.length());
            if (!e.continuesWith(next)) {
                break;
            }
            e = e.merge(next);
        }
        return e;
    }

    private Extent extentAt(long pos, long limit) throws IOException {
        MappedRun run = hideEncryptedOffsets(mapper.map(pos, limit));
        long len = Math.min(run.length(), limit);
        return switch (run.kind()) {
            case DATA -> new Extent(pos, len, Extent.Status.DATA, 0, run.hostOffset(), false, run.host());
            case ZERO -> new Extent(pos, len, Extent.Status.ZERO, 0, run.hostOffset(),
                    false, run.hostOffset() < 0 ? null : run.host());
            case COMPRESSED -> new Extent(pos, len, Extent.Status.DATA, 0, -1, true, run.host());
            case UNALLOCATED -> unallocated(pos, len, run);
        };
    }

    /**
     * Host offsets of encrypted data are not shown, as qemu shows none (its block status is never OFFSET_VALID
     * there): the bytes at them are ciphertext, and a copy must go through the image.
     */
    private static MappedRun hideEncryptedOffsets(MappedRun run) {
        if (run.host() instanceof dev.platter.core.crypto.EncryptedStorage && run.kind() != MappedRun.Kind.COMPRESSED) {
            return new MappedRun(run.kind(), run.length(), null, -1, run.token());
        }
        return run;
    }

    private Extent unallocated(long pos, long len, MappedRun run) throws IOException {
        Image b = backing.get();
        if (b != null && pos < b.size()) {
            Extent sub = b.mapping(pos, Math.min(len, b.size() - pos));
            return sub.withDepth(sub.depth() + 1);
        }
        int depth = b == null ? 0 : 1 + bottomDepth(b);
        long host = b == null ? run.hostOffset() : -1;
        return new Extent(pos, len, Extent.Status.UNALLOCATED, depth, host, false, host < 0 ? null : run.host());
    }

    /** Index of the bottom layer below {@code image} (0 when it has no backing file). */
    public static int bottomDepth(Image image) {
        int d = 0;
        for (Image i = image.backing(); i != null && d < 1 << 16; i = i.backing()) {
            d++;
        }
        return d;
    }

    /** Fills the rest of {@code b} with zeros. */
    public static void fillZero(ByteBuffer b) {
        if (b.hasArray()) {
            Arrays.fill(b.array(), b.arrayOffset() + b.position(), b.arrayOffset() + b.limit(), (byte) 0);
            b.position(b.limit());
        } else {
            while (b.hasRemaining()) {
                b.put((byte) 0);
            }
        }
    }
}
