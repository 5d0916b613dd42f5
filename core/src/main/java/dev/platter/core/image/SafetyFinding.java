package dev.platter.core.image;

import java.util.Objects;

/**
 * One reason an image is not safe to hand to a tool as it stands, as {@link ImageSafety#inspect} finds it. Neutral:
 * formats report their own findings ({@link ImageFormat#safetyFindings}) without the caller knowing the format.
 *
 * @param category      what kind of problem
 * @param message       what was found, in words (one line)
 * @param referenceKind for {@link Category#REFERENCE}: what the reference is for; otherwise null
 * @param reference     for {@link Category#REFERENCE}: the name stored in the image, as stored; otherwise null
 */
public record SafetyFinding(Category category, String message, ReferenceKind referenceKind, String reference) {

    /** The kinds of findings. */
    public enum Category {
        /** The image names another file or a network resource (backing file, data file, extent). */
        REFERENCE,
        /** Feature bits or settings the format does not know or Platter cannot read. */
        FEATURE,
        /** The content's format disagrees with the file name, with the pinned format, or is ambiguous. */
        FORMAT,
        /** Sizes and offsets that do not add up: tables past the end of the file, inconsistent header fields. */
        STRUCTURE,
        /** The image's path goes through a symbolic link. */
        PATH
    }

    public SafetyFinding {
        Objects.requireNonNull(category);
        Objects.requireNonNull(message);
        if ((category == Category.REFERENCE) != (referenceKind != null && reference != null)) {
            throw new IllegalArgumentException("a reference finding, and only one, names its kind and reference");
        }
    }

    /** A file reference stored in the image. */
    public static SafetyFinding reference(ReferenceKind kind, String reference, String message) {
        return new SafetyFinding(Category.REFERENCE, message, kind, reference);
    }

    /** Any other finding. */
    public static SafetyFinding of(Category category, String message) {
        return new SafetyFinding(category, message, null, null);
    }

    /**
     * How a stored file name would be read, for a reference finding's message: the forms that reach outside the
     * image's folder are the dangerous ones ("an absolute path", "a relative path leaving the image's folder" ...).
     */
    public static String describeName(String name) {
        String lower = name.toLowerCase(java.util.Locale.ROOT);
        if (lower.startsWith("json:")) {
            return "a json: specification, which can name any file or protocol";
        }
        if (ReferenceResolver.PROTOCOL.matcher(name).matches()) {
            return "the protocol " + lower.substring(0, lower.indexOf(':') + 1);
        }
        String path = lower.startsWith("file:") ? name.substring(5) : name;
        String form = lower.startsWith("file:") ? "a file: name, " : "";
        if (path.startsWith("/")) {
            return form + "an absolute path";
        }
        for (String part : path.split("/")) {
            if (part.equals("..")) {
                return form + "a relative path leaving the image's folder";
            }
        }
        return form + "a path relative to the image's folder";
    }
}
