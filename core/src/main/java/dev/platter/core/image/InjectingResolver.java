package dev.platter.core.image;

import dev.platter.core.storage.Storage;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;

/** A gate that answers one backing reference with an image the caller opened ({@link ReferenceResolver#withBacking}). */
final class InjectingResolver implements ReferenceResolver {
    private final ReferenceResolver base;
    private final String reference;
    private final Image backing;
    private final AtomicBoolean taken = new AtomicBoolean();

    InjectingResolver(ReferenceResolver base, String reference, Image backing) {
        this.base = base;
        this.reference = reference;
        this.backing = backing;
    }

    @Override
    public Path resolve(Path referrer, String ref, ReferenceKind kind) throws IOException {
        return base.resolve(referrer, ref, kind);
    }

    @Override
    public boolean untrusted() {
        return base.untrusted();
    }

    @Override
    public Storage openFile(Path referrer, String ref, ReferenceKind kind, String shown, boolean readOnly)
            throws IOException {
        return base.openFile(referrer, ref, kind, shown, readOnly);
    }

    /** The injected image, once: a second image naming the same file gets its own open, as without injection. */
    @Override
    public Image openBacking(Path referrer, String ref, String format, OpenOptions options) throws IOException {
        if (ref.equals(reference) && taken.compareAndSet(false, true)) {
            return backing;
        }
        return base.openBacking(referrer, ref, format, options);
    }
}
