package dev.platter.core.image;

import java.util.List;

/**
 * The result of a consistency check ({@code check}), with qemu-img's ImageCheck fields. Counters that qemu leaves
 * out of its JSON when zero are plain zeros here; the printer decides.
 *
 * @param messages  the per-problem lines the checker reported ("Leaked cluster 6 refcount=1 reference=0"), in
 *                  order; qemu-img prints them on stderr
 * @param failure   why the check could not complete ("Input/output error"), or null; qemu-img then prints
 *                  "Check failed: ..." and exits with status 1
 */
public record ImageCheck(String filename, String format, long checkErrors, long imageEndOffset, long corruptions,
                         long leaks, long corruptionsFixed, long leaksFixed, long totalClusters,
                         long allocatedClusters, long fragmentedClusters, long compressedClusters,
                         List<String> messages, String failure) {

    /** How much a check may change: nothing, leaked clusters only, or everything it can. */
    public enum Repair {
        NONE, LEAKS, ALL
    }

    public ImageCheck {
        messages = List.copyOf(messages);
    }

    /** The same result with the repair counters of an earlier pass (qemu-img's "double check" keeps them). */
    public ImageCheck withFixed(long newCorruptionsFixed, long newLeaksFixed) {
        return new ImageCheck(filename, format, checkErrors, imageEndOffset, corruptions, leaks, newCorruptionsFixed,
                newLeaksFixed, totalClusters, allocatedClusters, fragmentedClusters, compressedClusters, messages,
                failure);
    }
}
