package dev.platter.operation;

import dev.platter.core.UnsupportedFeatureException;
import dev.platter.core.image.Image;

import java.io.IOException;

/** Opening the read-only view of an internal snapshot ({@code -l}), for the formats that have them. */
final class Snapshots {
    private Snapshots() {
    }

    /**
     * The view of the snapshot named by {@code param} ({@code snapshot.id=ID,snapshot.name=NAME}, or an id or
     * name); closing the view closes {@code image}.
     */
    static Image openView(Image image, String param) throws IOException {
        if (!image.formatName().equals("qcow2")) {
            throw new UnsupportedFeatureException("internal snapshots", "Failed to load snapshot: Block format '"
                    + image.formatName() + "' used by device '' does not support temporarily loading internal "
                    + "snapshots");
        }
        throw new UnsupportedFeatureException("internal snapshots",
                "Failed to load snapshot: snapshot views of qcow2 images are not available yet");
    }
}
