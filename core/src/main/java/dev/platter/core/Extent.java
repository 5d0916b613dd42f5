package dev.platter.core;

import dev.platter.core.storage.Storage;

/**
 * One run of a device's allocation map, as returned by {@link BlockDevice#mapping(long, long)}.
 *
 * @param start      virtual offset of the run
 * @param length     length of the run in bytes (positive)
 * @param status     what the run holds
 * @param depth      which layer of a backing chain answered (0 = the device itself); for a run that no layer
 *                   allocates, the index of the bottom layer
 * @param hostOffset byte offset of the run's bytes in {@code host}, or -1 when there is none
 *                   (unallocated, compressed, or no single host file)
 * @param compressed true when the bytes are stored compressed, or otherwise so that only the format reads them
 *                   (qcow's legacy AES ciphertext)
 * @param host       the storage holding the run's bytes (an image file, an external data file, an extent file), or
 *                   null; where it is given with a {@code hostOffset}, the run's bytes are the guest's bytes as
 *                   they are and may be read from it directly
 */
public record Extent(long start, long length, Status status, int depth, long hostOffset, boolean compressed,
                     Storage host) {

    /** The allocation status of a run. */
    public enum Status {
        /** Stored data (which may still happen to be zeros). */
        DATA,
        /** Known to read as zeros: a zero flag, a host hole, preallocated zero space. */
        ZERO,
        /** Not allocated in any layer: reads as zeros. */
        UNALLOCATED
    }

    public Extent {
        if (length <= 0) {
            throw new IllegalArgumentException("empty extent at " + start);
        }
    }

    public long end() {
        return start + length;
    }

    /** True when the run reads as zeros without looking at its bytes. */
    public boolean readsAsZero() {
        return status != Status.DATA;
    }

    public static Extent data(long start, long length, long hostOffset, Storage host) {
        return new Extent(start, length, Status.DATA, 0, hostOffset, false, host);
    }

    public static Extent zero(long start, long length, long hostOffset, Storage host) {
        return new Extent(start, length, Status.ZERO, 0, hostOffset, false, host);
    }

    /** The name of the host storage ({@code map}'s "filename"), or null. */
    public String hostName() {
        return host == null ? null : host.name();
    }

    public static Extent unallocated(long start, long length) {
        return new Extent(start, length, Status.UNALLOCATED, 0, -1, false, null);
    }

    /** The same run with its offsets shifted, for layers (slices, chains) that translate positions. */
    public Extent withStart(long newStart) {
        return new Extent(newStart, length, status, depth, hostOffset, compressed, host);
    }

    public Extent withLength(long newLength) {
        return new Extent(start, newLength, status, depth, hostOffset, compressed, host);
    }

    public Extent withDepth(int newDepth) {
        return new Extent(start, length, status, newDepth, hostOffset, compressed, host);
    }

    /** Cuts the run to at most {@code maxLen} bytes. */
    public Extent clip(long maxLen) {
        return length <= maxLen ? this : withLength(maxLen);
    }

    /** True when {@code next} continues this run: same status, depth, storage, and contiguous host bytes. */
    public boolean continuesWith(Extent next) {
        if (next.start != end() || next.status != status || next.depth != depth || next.compressed != compressed
                || next.host != host) {
            return false;
        }
        if (hostOffset < 0 || next.hostOffset < 0) {
            return hostOffset < 0 && next.hostOffset < 0;
        }
        return next.hostOffset == hostOffset + length;
    }

    /** Joins a continuing run onto this one; see {@link #continuesWith}. */
    public Extent merge(Extent next) {
        return withLength(length + next.length);
    }
}
