package dev.platter.operation;

/**
 * qemu's BlockMeasureInfo.
 *
 * @param required       file size right after converting (or creating, with a size only)
 * @param fullyAllocated file size once every cluster is written
 * @param bitmaps        bytes to copy the source's persistent bitmaps, or null when source or target cannot
 *                       have them
 */
public record MeasureResult(long required, long fullyAllocated, Long bitmaps) {
}
