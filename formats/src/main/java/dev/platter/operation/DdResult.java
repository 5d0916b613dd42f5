package dev.platter.operation;

/**
 * What {@code dd} did.
 *
 * @param bytes           size of the output image
 * @param skipPastTheEnd  {@code skip=} pointed past the input's end: the output is empty (qemu-img warns and still
 *                        succeeds)
 */
public record DdResult(long bytes, boolean skipPastTheEnd) {
}
