package dev.platter.operation;

import dev.platter.core.ProgressListener;
import dev.platter.core.image.Image;
import dev.platter.core.image.Images;
import dev.platter.core.image.OpenOptions;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code qemu-img commit}: writes what the image and the layers between it and the base allocate (data and zero
 * ranges) into the base, growing the base if it is smaller, then empties the image so it reads through to the base
 * (unless {@code -d}, or {@code -b}, which leaves the intermediate layers and the image as they are).
 */
public final class Commit {
    private Commit() {
    }

    public static void run(CommitOptions o, ProgressListener listener) throws IOException {
        // The base is opened for writing on its own below, so the chain above it only shares it.
        OpenOptions ro = OpenOptions.readOnlyDefaults().withFormat(o.format())
                .withLocking(OpenOptions.Locking.SHARE_BACKING).withKeys(o.keys());
        if (o.resolver() != null) {
            ro = ro.withResolver(o.resolver());
        }
        boolean keep = o.keep() || o.base() != null;
        try (Image top = Images.open(o.image(), o.imageName(), keep ? ro : ro.withReadOnly(false))) {
            int depth = 1;
            Image base = top.backing();
            if (base == null) {
                throw new IllegalArgumentException("Image does not have a backing file");
            }
            if (o.base() != null) {
                Path want = canonical(o.image().toAbsolutePath().getParent(), o.base());
                while (base != null && !matches(base, o.base(), want)) {
                    base = base.backing();
                    depth++;
                }
                if (base == null) {
                    throw new IllegalArgumentException("Did not find '" + o.base() + "' in the backing chain of '"
                            + o.imageName() + "'");
                }
            }
            Path basePath = base.storage().path();
            // The base, opened on its own, is the top of a chain: its keys are those from its depth down.
            int baseDepth = depth;
            OpenOptions rw = OpenOptions.readWriteDefaults().withFormat(base.formatName())
                    .withKeys((d, path) -> o.keys().keyFor(d + baseDepth, path));
            if (o.resolver() != null) {
                rw = rw.withResolver(o.resolver());
            }
            // The base is written through an image of its own; the chain above only reads the layers over it.
            try (Image target = Images.open(basePath, base.storage().name(), rw)) {
                if (target.size() < top.size()) {
                    target.resize(top.size(), false);
                }
                ConvertSources sources = new ConvertSources(List.of(top));
                ConvertTarget writer = new ImageTarget(target, false);
                Convert.copy(sources, writer, new Convert.Settings(-1, false, depth, -1, false,
                        ConvertOptions.defaultWorkers(), false), listener);
                target.flush();
            }
            if (!keep) {
                top.discard(0, top.size());
                top.flush();
            }
        }
    }

    private static boolean matches(Image layer, String name, Path want) {
        Path p = layer.storage() == null ? null : layer.storage().path();
        if (p == null) {
            return false;
        }
        if (layer.storage().name().equals(name)) {
            return true;
        }
        Path real = canonical(null, p.toString());
        return real != null && real.equals(want);
    }

    private static Path canonical(Path dir, String name) {
        Path p = Path.of(name);
        if (!p.isAbsolute() && dir != null && !p.toFile().exists()) {
            p = dir.resolve(name);
        }
        try {
            return p.toRealPath();
        } catch (IOException e) {
            return p.toAbsolutePath().normalize();
        }
    }
}
