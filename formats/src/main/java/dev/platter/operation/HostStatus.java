package dev.platter.operation;

import dev.platter.core.Extent;
import dev.platter.core.image.Image;
import dev.platter.core.storage.HostRun;
import dev.platter.core.storage.Storage;
import dev.platter.core.image.capability.PreallocatedMetadata;

import java.io.IOException;

/**
 * qemu's block status of an image chain: the format's allocation map, refined, for images with preallocated
 * metadata, by what the host file says about the bytes of a data run. qemu asks the host file only for such images
 * (its BDRV_BLOCK_RECURSE): there, data clusters over a hole of the host file read as zeros, so qemu reports them as
 * data that is zero, cuts the run where the host file's data or hole ends, and neither reads nor counts them.
 *
 * @param extent the run (possibly shortened to the host file's run)
 * @param zero   the run reads as zeros (always so for ZERO and UNALLOCATED runs)
 */
record HostStatus(Extent extent, boolean zero) {

    /** The status of the run at {@code pos} of {@code image}, at most {@code maxLen} bytes. */
    static HostStatus at(Image image, long pos, long maxLen) throws IOException {
        Extent e = image.mapping(pos, maxLen);
        if (e.status() != Extent.Status.DATA) {
            return new HostStatus(e, true);
        }
        Storage host = hostOf(e);
        if (host == null || !refinedByHost(layer(image, e.depth()), e)) {
            return new HostStatus(e, false);
        }
        long fileSize = host.size();
        if (e.hostOffset() >= fileSize) {
            // Past the end of the host file: zeros, however long the run.
            return new HostStatus(e, true);
        }
        HostRun run = host.run(e.hostOffset());
        if (!run.data() && e.hostOffset() + run.length() >= fileSize) {
            // A hole that reaches the end of the file: zeros to the end of the run.
            return new HostStatus(e, true);
        }
        return new HostStatus(e.clip(run.length()), !run.data());
    }

    /** Whether qemu asks the host file about this data run of {@code layer} (BDRV_BLOCK_RECURSE). */
    static boolean refinedByHost(Image layer, Extent run) throws IOException {
        var preallocated = layer.capability(PreallocatedMetadata.class);
        return preallocated.isPresent() && preallocated.get().refinedByHost(run);
    }

    private static Image layer(Image top, int depth) {
        Image layer = top;
        for (int d = 0; d < depth && layer != null; d++) {
            layer = layer.backing();
        }
        return layer;
    }

    /** True for data that must be read: stored, and not known to read as zeros. */
    boolean isData() {
        return extent.status() == Extent.Status.DATA && !zero;
    }

    /**
     * The host storage holding a data run's bytes as they are (the image file, an external data file), or null
     * when the run has none of its own (compressed, or not data).
     */
    static Storage hostOf(Extent run) {
        if (run.status() != Extent.Status.DATA || run.compressed() || run.hostOffset() < 0) {
            return null;
        }
        return run.host();
    }
}
