package dev.platter.libvirt;

import dev.platter.core.image.Image;
import dev.platter.core.image.ImageOpenException;
import dev.platter.core.image.OpenOptions;
import dev.platter.core.image.ReferenceKind;
import dev.platter.core.image.ReferenceResolver;
import dev.platter.core.storage.Storage;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A gate that opens the backing images of a domain's disks with the formats libvirt would give them, never probing:
 * the format a {@code <backingStore>} declares for that file, else the one the overlay records, else a refusal
 * that says how to record it. Everything else is the base gate's.
 */
public final class DeclaredFormats implements ReferenceResolver {
    private final ReferenceResolver base;
    private final Map<Path, String> declared = new HashMap<>();

    private DeclaredFormats(ReferenceResolver base, List<DomainDisk> disks) {
        this.base = base;
        for (DomainDisk d : disks) {
            for (BackingLayer layer : d.chain()) {
                if (layer.format() != null && layer.source() != null && layer.source().isLocal()) {
                    declared.put(normal(Path.of(layer.source().path())), layer.format());
                }
            }
        }
    }

    /** {@code base}, with the backing formats the disks declare. */
    public static ReferenceResolver of(ReferenceResolver base, List<DomainDisk> disks) {
        return new DeclaredFormats(base, disks);
    }

    @Override
    public Path resolve(Path referrer, String reference, ReferenceKind kind) throws IOException {
        return base.resolve(referrer, reference, kind);
    }

    @Override
    public boolean untrusted() {
        return base.untrusted();
    }

    @Override
    public Storage openFile(Path referrer, String reference, ReferenceKind kind, String shown, boolean readOnly)
            throws IOException {
        return base.openFile(referrer, reference, kind, shown, readOnly);
    }

    @Override
    public Image openBacking(Path referrer, String reference, String format, OpenOptions options)
            throws IOException {
        Path resolved = base.resolve(referrer, reference, ReferenceKind.BACKING_FILE);
        String pinned = declared.getOrDefault(normal(resolved), format);
        if (pinned == null) {
            throw new ImageOpenException(referrer.toString(), "the format of its backing file '" + reference
                    + "' is neither recorded in the image nor declared in the domain: refusing to probe it (record it:"
                    + " qemu-img rebase -u -F FORMAT -b '" + reference + "' " + referrer + ")", null);
        }
        return base.openBacking(referrer, reference, pinned, options);
    }

    private static Path normal(Path p) {
        return p.toAbsolutePath().normalize();
    }
}
