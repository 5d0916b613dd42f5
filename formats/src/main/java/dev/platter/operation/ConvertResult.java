package dev.platter.operation;

/**
 * What a conversion did.
 *
 * @param virtualSize bytes of the (concatenated) source
 * @param dataBytes   bytes that were read from the source (data runs; zero and unallocated runs are never read)
 */
public record ConvertResult(long virtualSize, long dataBytes) {
}
