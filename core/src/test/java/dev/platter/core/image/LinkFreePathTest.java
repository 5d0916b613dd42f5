package dev.platter.core.image;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The untrusted path rule: a symbolic link anywhere on the path is found and named; real paths pass. */
class LinkFreePathTest {
    @TempDir
    Path dir;

    @Test
    void realPathsPassLinksAnywhereAreNamed() throws IOException {
        Path real = Files.createDirectories(dir.resolve("real/sub"));
        Path image = Files.createFile(real.resolve("disk.img"));
        assertNull(LinkFreePath.firstLink(image));
        assertNull(LinkFreePath.firstLink(real.resolve("../sub/./disk.img")));

        Path fileLink = Files.createSymbolicLink(dir.resolve("link.img"), image);
        assertEquals(fileLink, LinkFreePath.firstLink(fileLink));

        Path folderLink = Files.createSymbolicLink(dir.resolve("folder"), real);
        assertEquals(folderLink, LinkFreePath.firstLink(folderLink.resolve("disk.img")));

        // "folder/.." is the parent of real/sub, not dir: no link is left on the normalized path, yet it lies.
        Files.createFile(dir.resolve("real/disk.img"));
        Path viaDotDot = folderLink.resolve("../disk.img");
        assertEquals(viaDotDot.toAbsolutePath(), LinkFreePath.firstLink(viaDotDot));

        assertThrows(NoSuchFileException.class, () -> LinkFreePath.firstLink(dir.resolve("missing.img")));
    }
}
