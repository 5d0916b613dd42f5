package dev.platter.core.storage;

/**
 * A run of host storage that is either all data or all hole.
 *
 * @param data   true for stored data, false for a hole (reads as zeros, costs no space)
 * @param length bytes until the status changes or the storage ends
 */
public record HostRun(boolean data, long length) {
}
