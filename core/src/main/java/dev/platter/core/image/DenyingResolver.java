package dev.platter.core.image;

import java.nio.file.Path;

/** The gate of untrusted images ({@link ReferenceResolver#denyAll()}): no reference is ever opened. */
final class DenyingResolver implements ReferenceResolver {
    static final DenyingResolver INSTANCE = new DenyingResolver();

    private DenyingResolver() {
    }

    @Override
    public Path resolve(Path referrer, String reference, ReferenceKind kind) throws ReferenceDeniedException {
        throw new ReferenceDeniedException(referrer, reference, kind, "untrusted images may not refer to other files");
    }

    @Override
    public boolean untrusted() {
        return true;
    }
}
