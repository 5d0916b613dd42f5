package dev.platter.core.image;

import dev.platter.core.storage.Storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What probing says about a file, in full: every format that claims the content (raw, which claims anything, left
 * out) and every format the file name's extension belongs to. The untrusted rules and the safety inspection read it.
 *
 * @param probed    the format probing picks (the most confident; raw when no other claims the content)
 * @param claimants the formats other than the fallback that claim the content
 * @param named     the formats whose extension the file name has (empty for names like {@code disk.img})
 * @param extension the file name's extension, lower case, or ""
 * @param carried   the formats whose signature the file carries where probing does not look (a fixed VHD's footer):
 *                  naming or pinning one of them is no conflict
 */
record ProbeVerdict(ImageFormat probed, List<ImageFormat> claimants, List<ImageFormat> named, String extension,
                    List<ImageFormat> carried) {

    /** Probes {@code storage}; {@code path} (null: none) is where its name comes from. */
    static ProbeVerdict of(Storage storage, Path path) throws IOException {
        ByteBuffer header = ByteBuffer.allocate((int) Math.min(Images.PROBE_BYTES, Math.max(0, storage.size())));
        storage.readAt(0, header);
        header.flip();
        ImageFormat best = null;
        int bestScore = 0;
        List<ImageFormat> claimants = new ArrayList<>();
        for (ImageFormat f : Images.formats()) {
            int score = f.probe(header.asReadOnlyBuffer(), storage);
            if (score > ImageFormat.FALLBACK) {
                claimants.add(f);
            }
            if (score > bestScore) {
                best = f;
                bestScore = score;
            }
        }
        if (best == null) {
            throw new UnknownFormatException(storage.name(), "Could not determine the image format of '"
                    + storage.name() + "'");
        }
        String extension = extension(path);
        List<ImageFormat> named = new ArrayList<>();
        for (ImageFormat f : Images.formats()) {
            if (!extension.isEmpty() && f.fileExtensions().contains(extension)) {
                named.add(f);
            }
        }
        List<ImageFormat> carried = new ArrayList<>();
        for (ImageFormat f : Images.formats()) {
            if (f != best && f.unprobedSignature(storage) != null) {
                carried.add(f);
            }
        }
        return new ProbeVerdict(best, claimants, named, extension, carried);
    }

    private static String extension(Path path) {
        Path file = path == null ? null : path.getFileName();
        String name = file == null ? "" : file.toString();
        int dot = name.lastIndexOf('.');
        return dot <= 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
    }

    /** Why the probe cannot be relied on (more than one format claims the content), or null. */
    String ambiguity() {
        if (claimants.size() < 2) {
            return null;
        }
        return "the content is claimed by more than one format (" + String.join(", ",
                claimants.stream().map(ImageFormat::name).toList()) + ")";
    }

    /** Why the file name contradicts the probe (a {@code .qcow2} name on content that probes as raw), or null. */
    String nameConflict() {
        if (named.isEmpty() || named.contains(probed) || named.stream().anyMatch(carried::contains)) {
            return null;
        }
        return "the name ends in '." + extension + "' but the content probes as " + probed.name();
    }

    /** Why the pinned format contradicts the probe, or null. */
    String pinConflict(ImageFormat pinned) {
        if (pinned == null || pinned.equals(probed) || carried.contains(pinned)) {
            return null;
        }
        return "the format is given as " + pinned.name() + " but the content probes as " + probed.name();
    }
}
