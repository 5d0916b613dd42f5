package dev.platter.core.storage;

import java.util.EnumSet;
import java.util.Set;

/**
 * The permissions an open image holds on its host file and those it lets others hold, as qemu's block layer
 * expresses them. {@link FileStorage#lock} turns them into qemu's lock bytes, so that Platter, qemu, qemu-img and
 * libvirt's guests exclude each other exactly as qemu processes exclude one another.
 *
 * <p>What qemu 7.2 takes (seen in /proc/locks): a reader holds "consistent read" and, when the file carries format
 * metadata (qcow2), shares neither "write" nor "resize"; a writer also holds "write" (and "resize" with metadata);
 * {@code -U} (force share) shares everything. A file without metadata (raw) shares everything; an external data
 * file shares all but "resize".
 *
 * @param held   permissions this open takes
 * @param shared permissions it lets other opens take
 */
public record ImageLock(Set<Permission> held, Set<Permission> shared) {

    /** qemu's BLK_PERM_* bits, in bit order (the lock byte is the base plus the bit number). */
    public enum Permission {
        CONSISTENT_READ("consistent read"),
        WRITE("write"),
        WRITE_UNCHANGED("write unchanged"),
        RESIZE("resize");

        private final String qemuName;

        Permission(String qemuName) {
            this.qemuName = qemuName;
        }

        /** The name qemu prints in its lock errors. */
        public String qemuName() {
            return qemuName;
        }
    }

    public ImageLock {
        held = Set.copyOf(held);
        shared = Set.copyOf(shared);
    }

    /**
     * @param metadata   the file holds format metadata (qcow2), not only guest data (raw)
     * @param forceShare {@code -U}: take the read permission only and share everything
     */
    public static ImageLock reader(boolean metadata, boolean forceShare) {
        return new ImageLock(EnumSet.of(Permission.CONSISTENT_READ),
                metadata && !forceShare ? EnumSet.of(Permission.CONSISTENT_READ, Permission.WRITE_UNCHANGED)
                        : EnumSet.allOf(Permission.class));
    }

    /**
     * An external data file (qcow2's data_file): guest data only, so writers may share it, but its size belongs to
     * the image that maps it, so nobody else may resize it.
     */
    public static ImageLock dataFile(boolean readOnly) {
        EnumSet<Permission> held = readOnly ? EnumSet.of(Permission.CONSISTENT_READ)
                : EnumSet.of(Permission.CONSISTENT_READ, Permission.WRITE, Permission.RESIZE);
        return new ImageLock(held, EnumSet.complementOf(EnumSet.of(Permission.RESIZE)));
    }

    /**
     * What qemu's create takes on a block device (the generic fallback, which opens the device as any block
     * backend): read, write and resize, sharing everything. It fails only against an open that does not share
     * writing (a qcow2 image on the device in use), not against a raw one.
     */
    public static ImageLock deviceCreation() {
        return new ImageLock(EnumSet.of(Permission.CONSISTENT_READ, Permission.WRITE, Permission.RESIZE),
                EnumSet.allOf(Permission.class));
    }

    /** @param metadata the file holds format metadata (qcow2), not only guest data (raw) */
    public static ImageLock writer(boolean metadata) {
        return metadata
                ? new ImageLock(EnumSet.of(Permission.CONSISTENT_READ, Permission.WRITE, Permission.RESIZE),
                        EnumSet.of(Permission.CONSISTENT_READ, Permission.WRITE_UNCHANGED))
                : new ImageLock(EnumSet.of(Permission.CONSISTENT_READ, Permission.WRITE),
                        EnumSet.allOf(Permission.class));
    }
}
