package dev.platter.core.image;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

/** The {@link ReferenceResolver} refused to open a file an image refers to. */
public class ReferenceDeniedException extends IOException {
    private static final long serialVersionUID = 1L;

    public ReferenceDeniedException(Path referrer, String reference, ReferenceKind kind, String why) {
        super(referrer + ": refusing to open " + kind.name().toLowerCase(Locale.ROOT).replace('_', ' ')
                + " '" + reference + "': " + why);
    }
}
