package dev.platter.core.image;

import java.util.List;

/**
 * What {@link ImageSafety#inspect} found about one image file.
 *
 * @param filename the image's name as given
 * @param format   the format the image would be read as (pinned, else probed), or null when it was not looked at
 *                 (a symbolic link in its path)
 * @param findings every problem found, in the order found; empty when the image is safe
 */
public record SafetyReport(String filename, String format, List<SafetyFinding> findings) {
    public SafetyReport {
        findings = List.copyOf(findings);
    }

    /** True when nothing was found. */
    public boolean safe() {
        return findings.isEmpty();
    }
}
