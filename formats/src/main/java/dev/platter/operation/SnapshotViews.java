package dev.platter.operation;

import dev.platter.core.UnsupportedFeatureException;
import dev.platter.core.image.Image;
import dev.platter.core.image.SnapshotInfo;
import dev.platter.core.image.capability.InternalSnapshots;

import java.io.IOException;

/** Opening the read-only view of an internal snapshot ({@code -l}), for the formats that have them. */
final class SnapshotViews {
    private SnapshotViews() {
    }

    /**
     * The view of the snapshot named by {@code param}: {@code snapshot.id=ID,snapshot.name=NAME} (either part may
     * be left out; both must match when both are given) or a bare ID or name (ID first, as qemu looks it up). The
     * view is valid while {@code image} is open; the caller closes {@code image}.
     */
    static Image openView(Image image, String param) throws IOException {
        InternalSnapshots q = image.capability(InternalSnapshots.class).orElse(null);
        if (q == null) {
            throw new UnsupportedFeatureException("internal snapshots", "Failed to load snapshot: Block format '"
                    + image.formatName() + "' used by device '' does not support temporarily loading internal "
                    + "snapshots");
        }
        String id = null;
        String name = null;
        if (param.startsWith("snapshot.id=") || param.startsWith("snapshot.name=")) {
            for (String part : param.split(",")) {
                if (part.startsWith("snapshot.id=")) {
                    id = part.substring("snapshot.id=".length());
                } else if (part.startsWith("snapshot.name=")) {
                    name = part.substring("snapshot.name=".length());
                } else {
                    throw new IllegalArgumentException("Invalid parameter '" + part.split("=", 2)[0] + "'");
                }
            }
        } else {
            for (SnapshotInfo s : q.snapshots()) {
                if (s.id().equals(param)) {
                    id = s.id();
                    break;
                }
            }
            if (id == null) {
                name = param;
            }
        }
        for (SnapshotInfo s : q.snapshots()) {
            if ((id == null || s.id().equals(id)) && (name == null || s.name().equals(name))) {
                return q.openSnapshot(s.id());
            }
        }
        throw new IOException("Failed to load snapshot: Can't find snapshot");
    }
}
