package dev.platter.operation;

import dev.platter.core.ProgressListener;
import dev.platter.core.image.Image;
import dev.platter.core.image.Images;
import dev.platter.core.image.ImageKeys;
import dev.platter.core.image.OpenOptions;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Compares the content of two images as {@code qemu-img compare} does: ranges that both read as zeros without
 * looking (holes, zero clusters, unallocated) are not read; a range allocated on one side only must read as zeros
 * on that side; sizes may differ when the longer image's tail reads as zeros. Mismatch offsets are reported at
 * 512-byte granularity, as qemu-img reports them. Strict mode also requires equal sizes and equal allocation.
 */
public final class Compare {
    private static final int SECTOR = 512;
    private static final int IO_BUF_SIZE = 2 << 20;

    private final CompareOptions options;

    public Compare(CompareOptions options) {
        this.options = options;
    }

    public static CompareResult run(CompareOptions options, ProgressListener listener) throws IOException {
        return new Compare(options).run(listener);
    }

    public CompareResult run(ProgressListener listener) throws IOException {
        try (Image a = open(options.first().toString(), options.firstName(), options.firstFormat(),
                options.firstKeys());
             Image b = open(options.second().toString(), options.secondName(), options.secondFormat(),
                     options.secondKeys())) {
            return compare(a, b, listener);
        }
    }

    private Image open(String path, String name, String format, ImageKeys keys) throws CompareException {
        OpenOptions o = OpenOptions.readOnlyDefaults().withFormat(format).withForceShare(options.forceShare())
                .withKeys(keys);
        if (options.resolver() != null) {
            o = o.withResolver(options.resolver());
        }
        try {
            return Images.open(java.nio.file.Path.of(path), name, o);
        } catch (IOException e) {
            throw new CompareException(CompareException.OPEN_FAILED, e.getMessage(), e);
        }
    }

    private CompareResult compare(Image a, Image b, ProgressListener listener) throws IOException {
        long sizeA = a.size();
        long sizeB = b.size();
        long common = Math.min(sizeA, sizeB);
        long total = Math.max(sizeA, sizeB);
        listener.progress(0, total);
        if (options.strict() && sizeA != sizeB) {
            return new CompareResult(CompareResult.Outcome.STRICT_SIZE_MISMATCH, -1, false);
        }
        ByteBuffer bufA = ByteBuffer.allocateDirect(IO_BUF_SIZE);
        ByteBuffer bufB = ByteBuffer.allocateDirect(IO_BUF_SIZE);
        long pos = 0;
        while (pos < common) {
            BlockStatus sa = status(a, options.firstName(), pos, sizeA);
            BlockStatus sb = status(b, options.secondName(), pos, sizeB);
            long chunk = Math.min(sa.length(), sb.length());
            if (options.strict() && !sa.sameFlags(sb)) {
                return new CompareResult(CompareResult.Outcome.STRICT_STATUS_MISMATCH, pos, false);
            }
            if (sa.zero() && sb.zero()) {
                // Both read as zeros without looking.
            } else if (sa.allocated() == sb.allocated()) {
                if (sa.allocated()) {
                    chunk = Math.min(chunk, IO_BUF_SIZE);
                    read(a, options.firstName(), pos, bufA, (int) chunk);
                    read(b, options.secondName(), pos, bufB, (int) chunk);
                    int diff = bufA.mismatch(bufB);
                    if (diff >= 0) {
                        return mismatch(pos + (long) diff / SECTOR * SECTOR, false);
                    }
                }
            } else {
                chunk = Math.min(chunk, IO_BUF_SIZE);
                Image side = sa.allocated() ? a : b;
                String name = sa.allocated() ? options.firstName() : options.secondName();
                long nonZero = firstNonZero(side, name, pos, bufA, (int) chunk);
                if (nonZero >= 0) {
                    return mismatch(pos + nonZero, false);
                }
            }
            pos += chunk;
            listener.progress(pos, total);
        }
        if (sizeA != sizeB) {
            Image longer = sizeA > sizeB ? a : b;
            String name = sizeA > sizeB ? options.firstName() : options.secondName();
            while (pos < total) {
                BlockStatus s = status(longer, name, pos, total);
                long chunk = s.length();
                if (s.allocated() && !s.zero()) {
                    chunk = Math.min(chunk, IO_BUF_SIZE);
                    long nonZero = firstNonZero(longer, name, pos, bufA, (int) chunk);
                    if (nonZero >= 0) {
                        return mismatch(pos + nonZero, true);
                    }
                }
                pos += chunk;
                listener.progress(pos, total);
            }
            return new CompareResult(CompareResult.Outcome.IDENTICAL, -1, true);
        }
        return new CompareResult(CompareResult.Outcome.IDENTICAL, -1, false);
    }

    private static CompareResult mismatch(long offset, boolean sizeMismatch) {
        return new CompareResult(CompareResult.Outcome.CONTENT_MISMATCH, offset, sizeMismatch);
    }

    private static BlockStatus status(Image image, String name, long pos, long size) throws CompareException {
        try {
            return BlockStatus.of(HostStatus.at(image, pos, size - pos), size);
        } catch (IOException e) {
            throw new CompareException(CompareException.STATUS_FAILED, "Sector allocation test failed for " + name,
                    e);
        }
    }

    private static void read(Image image, String name, long pos, ByteBuffer buf, int len) throws CompareException {
        buf.clear().limit(len);
        try {
            image.read(pos, buf);
        } catch (IOException e) {
            throw new CompareException(CompareException.READ_FAILED, "Error while reading offset " + pos + " of "
                    + name + ": " + e.getMessage(), e);
        }
        buf.flip();
    }

    /** Offset (a sector start, relative to {@code pos}) of the first sector that is not all zeros, or -1. */
    private static long firstNonZero(Image image, String name, long pos, ByteBuffer buf, int len)
            throws CompareException {
        read(image, name, pos, buf, len);
        for (int off = 0; off < len; off += SECTOR) {
            if (!ZeroScan.isZero(buf, off, Math.min(SECTOR, len - off))) {
                return off;
            }
        }
        return -1;
    }
}
