package dev.platter.core.image;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The untrusted rule for an image's own path: no symbolic link in it, neither the file nor any folder above it. An
 * upload area where someone else can place links must not make Platter read a host file it was never given.
 */
final class LinkFreePath {
    private LinkFreePath() {
    }

    /**
     * The first symbolic link on {@code path} (as an absolute path), or null when the path is the file's real
     * path. Missing files throw {@link java.nio.file.NoSuchFileException}.
     */
    static Path firstLink(Path path) throws IOException {
        Path absolute = path.toAbsolutePath().normalize();
        Path real = path.toRealPath();
        if (real.equals(absolute)) {
            return null;
        }
        Path p = absolute.getRoot();
        for (Path part : absolute) {
            p = p.resolve(part);
            if (Files.isSymbolicLink(p)) {
                return p;
            }
        }
        // No link on the normalized path: a ".." was resolved after a link the normalization removed.
        return path.toAbsolutePath();
    }
}
