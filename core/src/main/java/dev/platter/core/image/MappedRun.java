package dev.platter.core.image;

import dev.platter.core.storage.Storage;

/**
 * What a mapped format answers for a run of its virtual disk ({@link ImageMapper#map}): where the bytes are, or
 * why there are none. {@link MappedReader} turns runs into reads and {@link dev.platter.core.Extent}s.
 *
 * @param kind       what the run holds
 * @param length     bytes of the run, positive
 * @param host       the storage holding the run's bytes (DATA), its allocated but unused space (ZERO,
 *                   UNALLOCATED), or the compressed stream (COMPRESSED); null when none
 * @param hostOffset offset in {@code host} of the run's first byte, or -1 (always -1 for COMPRESSED)
 * @param token      the format's own detail for a COMPRESSED run (qcow2: its L2 entry; legacy AES data: the host
 *                   offset of its first byte), handed back to {@link ImageMapper#readCompressed}
 */
public record MappedRun(Kind kind, long length, Storage host, long hostOffset, long token) {

    /** The kinds of run a format can answer. */
    public enum Kind {
        /** Stored as it is at {@code host} and {@code hostOffset}. */
        DATA,
        /** Reads as zeros (with allocated space at {@code hostOffset} when there is one). */
        ZERO,
        /** Not allocated in this layer: reads from the backing image, or as zeros without one. */
        UNALLOCATED,
        /**
         * Stored compressed (or otherwise transformed, such as qcow's legacy AES ciphertext, whose IV is the guest
         * sector): only the format can read it, and the map shows no host offset.
         */
        COMPRESSED
    }

    public MappedRun {
        if (length <= 0) {
            throw new IllegalArgumentException("empty run");
        }
    }
}
