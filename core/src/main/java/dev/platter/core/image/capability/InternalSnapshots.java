package dev.platter.core.image.capability;

import dev.platter.core.image.Image;
import dev.platter.core.image.SnapshotInfo;

import java.io.IOException;
import java.util.List;

/** Snapshots stored inside the image file ({@code qemu-img snapshot}, {@code convert -l}). */
public interface InternalSnapshots {

    /** The snapshots in the order the image stores them. */
    List<SnapshotInfo> snapshots();

    /** Saves the current disk state under {@code name} (a new unique ID is assigned). */
    SnapshotInfo createSnapshot(String name) throws IOException;

    /** Reverts the disk to the snapshot with this ID or name; false when there is none. */
    boolean applySnapshot(String idOrName) throws IOException;

    /** Deletes the snapshot with this ID or name; false when there is none. */
    boolean deleteSnapshot(String idOrName) throws IOException;

    /** A read-only view of the snapshot's disk, valid while this image is open; null when there is none. */
    Image openSnapshot(String idOrName) throws IOException;
}
