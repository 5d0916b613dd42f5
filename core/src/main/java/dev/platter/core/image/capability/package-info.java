/**
 * Optional capabilities of an {@link dev.platter.core.image.Image}: what some formats can do and others cannot
 * (internal snapshots, compressed writes, amend, persistent bitmaps ...). Callers ask for one with
 * {@link dev.platter.core.image.Image#capability(Class)} and print qemu-img's "does not support" message when the
 * answer is empty; no caller names a format or casts to its image class.
 */
package dev.platter.core.image.capability;
