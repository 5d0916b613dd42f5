package dev.platter.operation;

import dev.platter.core.Extent;

/**
 * One request of a conversion: a range of the (concatenated) source and what to do with it.
 *
 * @param pos  absolute offset
 * @param len  length in bytes
 * @param kind what the range holds
 * @param run  for DATA: the source's own extent (source-local coordinates) covering the whole range, when
 *             there is one, so the bytes can be read from their host file; otherwise null
 */
record Chunk(long pos, long len, Kind kind, Extent run) {

    enum Kind {
        /** Read it and write what is not zero. */
        DATA,
        /** Reads as zeros in the source. */
        ZERO,
        /** Left to the target's backing file: nothing is written. */
        BACKING
    }

    long end() {
        return pos + len;
    }
}
