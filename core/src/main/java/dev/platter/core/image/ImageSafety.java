package dev.platter.core.image;

import dev.platter.core.storage.Storage;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Whether an image file is safe to hand to a tool, decided before anything opens it as an image: the checks
 * OpenStack's format inspector makes on uploads, with the reasons. Nothing is followed: a symbolic link in the path
 * is itself a finding (and the file behind it is not read), references are reported by name, never opened.
 */
public final class ImageSafety {
    private ImageSafety() {
    }

    /**
     * Inspects the image at {@code path}.
     *
     * @param name   the path as the user gave it (messages, the report)
     * @param format the format the caller means to read it as (findings when the content disagrees), or null to
     *               probe
     * @throws ImageOpenException when the file cannot be read at all (missing, a directory, no permission)
     */
    public static SafetyReport inspect(Path path, String name, String format) throws IOException {
        ImageFormat pinned = format == null ? null : Images.format(format);
        List<SafetyFinding> findings = new ArrayList<>();
        Path link;
        try {
            link = LinkFreePath.firstLink(path);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new ImageOpenException(name, "No such file or directory", e);
        }
        if (link != null) {
            findings.add(SafetyFinding.of(SafetyFinding.Category.PATH,
                    "'" + link + "' is a symbolic link: the image behind it was not inspected"));
            return new SafetyReport(name, null, findings);
        }
        try (Storage storage = Images.openStorage(path, name, OpenOptions.untrusted())) {
            ProbeVerdict verdict = ProbeVerdict.of(storage, path);
            addIfPresent(findings, verdict.ambiguity());
            addIfPresent(findings, verdict.pinConflict(pinned));
            addIfPresent(findings, verdict.nameConflict());
            ImageFormat chosen = pinned != null ? pinned : verdict.probed();
            findings.addAll(chosen.safetyFindings(storage));
            return new SafetyReport(name, chosen.name(), findings);
        }
    }

    private static void addIfPresent(List<SafetyFinding> findings, String formatProblem) {
        if (formatProblem != null) {
            findings.add(SafetyFinding.of(SafetyFinding.Category.FORMAT, formatProblem));
        }
    }
}
