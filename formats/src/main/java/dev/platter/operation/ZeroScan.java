package dev.platter.operation;

import java.nio.ByteBuffer;

/**
 * Zero detection on data read from a source, with qemu-img convert's exact semantics ({@code -S}): the buffer is
 * looked at in 512-byte sectors; a zero run is only worth a hole when it is at least {@code min} sectors long,
 * and run ends are aligned to {@code alignment} sectors so that the writes that follow stay aligned.
 */
final class ZeroScan {
    static final int SECTOR = 512;

    private ZeroScan() {
    }

    /** True when {@code len} bytes of {@code buf} from absolute index {@code off} are all zero. */
    static boolean isZero(ByteBuffer buf, int off, int len) {
        int i = off;
        int end = off + len;
        // The first word decides for almost every data sector; only zero-looking ranges are read to the end.
        if (len >= 8 && buf.getLong(off) != 0) {
            return false;
        }
        for (; i + 64 <= end; i += 64) {
            if ((buf.getLong(i) | buf.getLong(i + 8) | buf.getLong(i + 16) | buf.getLong(i + 24)
                    | buf.getLong(i + 32) | buf.getLong(i + 40) | buf.getLong(i + 48) | buf.getLong(i + 56)) != 0) {
                return false;
            }
        }
        for (; i + 8 <= end; i += 8) {
            if (buf.getLong(i) != 0) {
                return false;
            }
        }
        for (; i < end; i++) {
            if (buf.get(i) != 0) {
                return false;
            }
        }
        return true;
    }

    private static boolean sectorIsZero(ByteBuffer buf, int base, int sector, int totalBytes) {
        int off = base + sector * SECTOR;
        return isZero(buf, off, Math.min(SECTOR, base + totalBytes - off));
    }

    /** The first sector in {@code [from, n)} that is all zeros, or {@code n}. One tight loop, compiled early. */
    private static int nextZero(ByteBuffer buf, int base, int from, int n, int totalBytes) {
        int end = base + totalBytes;
        for (int s = from; s < n; s++) {
            int off = base + s * SECTOR;
            int len = Math.min(SECTOR, end - off);
            // Almost every data sector has a non-zero first word.
            if (len >= 8 && buf.getLong(off) != 0) {
                continue;
            }
            if (isZero(buf, off, len)) {
                return s;
            }
        }
        return n;
    }

    /** The first sector in {@code [from, n)} that is not all zeros, or {@code n}. */
    private static int nextData(ByteBuffer buf, int base, int from, int n, int totalBytes) {
        int end = base + totalBytes;
        for (int s = from; s < n; s++) {
            int off = base + s * SECTOR;
            if (!isZero(buf, off, Math.min(SECTOR, end - off))) {
                return s;
            }
        }
        return n;
    }

    /**
     * qemu's is_allocated_sectors: the status of the first sector at {@code base} and how many sectors share it
     * (at most {@code n}), with the end aligned to {@code alignment} sectors where that is possible.
     *
     * @param sectorNum the absolute sector of {@code base} in the image, for alignment
     * @return the run length in sectors, negated when the run reads as zeros
     */
    static int run(ByteBuffer buf, int base, int n, int totalBytes, long sectorNum, int alignment) {
        boolean zero = sectorIsZero(buf, base, 0, totalBytes);
        int i = zero ? nextData(buf, base, 1, n, totalBytes) : nextZero(buf, base, 1, n, totalBytes);
        if (i < n) {
            int tail = (int) ((sectorNum + i) & (alignment - 1));
            if (tail != 0) {
                if (zero && i <= tail) {
                    // The data that follows will rewrite this short zero head anyway (read-modify-write).
                    zero = false;
                }
                if (!zero) {
                    i = Math.min(i + alignment - tail, n);
                } else {
                    i -= tail;
                }
            }
        }
        return zero ? -i : i;
    }

    /**
     * qemu's is_allocated_sectors_min: like {@link #run}, but once the run starts with data, zero stretches shorter
     * than {@code min} sectors are absorbed into it, so that small sparse areas do not split writes.
     *
     * @return the run length in sectors, negated when the run reads as zeros
     */
    static int runMin(ByteBuffer buf, int base, int n, long sectorNum, int min, int alignment) {
        int totalBytes = n * SECTOR;
        return runMin(buf, base, n, totalBytes, sectorNum, min, alignment);
    }

    /** As {@link #runMin(ByteBuffer, int, int, long, int, int)} where the last sector may be short. */
    static int runMin(ByteBuffer buf, int base, int n, int totalBytes, long sectorNum, int min, int alignment) {
        if (n < min) {
            min = n;
        }
        int first = run(buf, base, n, totalBytes, sectorNum, alignment);
        if (first < 0) {
            return first;
        }
        int used = first;
        int checked = first;
        while (checked < n) {
            int r = run(buf, base + checked * SECTOR, n - checked, totalBytes - checked * SECTOR,
                    sectorNum + checked, alignment);
            int len = Math.abs(r);
            checked += len;
            if (r > 0) {
                used = checked;
            } else if (len >= min) {
                break;
            }
        }
        return used;
    }
}
