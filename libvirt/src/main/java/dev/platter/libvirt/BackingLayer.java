package dev.platter.libvirt;

/**
 * One image below a disk's top image, as a {@code <backingStore>} element names it.
 *
 * @param format the declared format ({@code <format type>}), or null when the XML leaves it to probing
 * @param source where it is
 */
public record BackingLayer(String format, DiskSource source) {
}
