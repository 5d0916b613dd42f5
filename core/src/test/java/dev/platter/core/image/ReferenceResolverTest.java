package dev.platter.core.image;

import dev.platter.core.CorruptImageException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReferenceResolverTest {
    @TempDir
    Path dir;

    @Test
    void relativeNamesJoinTheImageFolderLikeQemu() throws IOException {
        ReferenceResolver r = ReferenceResolver.relativeToImage();
        assertEquals(Path.of("vm/base.qcow2"), r.resolve(Path.of("vm/overlay.qcow2"), "base.qcow2",
                ReferenceKind.BACKING_FILE));
        assertEquals(Path.of("base.qcow2"), r.resolve(Path.of("overlay.qcow2"), "base.qcow2",
                ReferenceKind.BACKING_FILE));
        assertEquals(Path.of("/images/base.qcow2"), r.resolve(Path.of("vm/overlay.qcow2"), "/images/base.qcow2",
                ReferenceKind.BACKING_FILE));
        assertEquals(Path.of("vm/b.raw"), r.resolve(Path.of("vm/o.qcow2"), "file:b.raw", ReferenceKind.DATA_FILE));
    }

    @Test
    void protocolsEmptyNamesAndNulsAreRefused() {
        ReferenceResolver r = ReferenceResolver.relativeToImage();
        for (String bad : List.of("nbd://host/export", "json:{\"driver\":\"raw\"}", "http://x/y", "", "a\0b")) {
            assertThrows(ReferenceDeniedException.class,
                    () -> r.resolve(Path.of("o.qcow2"), bad, ReferenceKind.BACKING_FILE), bad);
        }
    }

    @Test
    void denyAllRefusesEverything() {
        assertThrows(ReferenceDeniedException.class, () -> ReferenceResolver.denyAll()
                .resolve(Path.of("o.qcow2"), "base.qcow2", ReferenceKind.BACKING_FILE));
    }

    @Test
    void onlyTheDenyAllGateMarksImagesUntrusted() {
        assertTrue(ReferenceResolver.denyAll().untrusted());
        assertTrue(OpenOptions.untrusted().isUntrusted());
        assertTrue(OpenOptions.untrusted().readOnly());
        assertTrue(OpenOptions.untrusted().withFormat("raw").withReadOnly(false).isUntrusted(),
                "the other settings keep the gate");
        assertFalse(OpenOptions.readOnlyDefaults().isUntrusted());
        assertFalse(ReferenceResolver.relativeToImage().untrusted());
        assertFalse(ReferenceResolver.confinedTo(List.of(dir)).untrusted());
    }

    @Test
    void confinedToKeepsReferencesInsideTheRoots() throws IOException {
        Path images = Files.createDirectory(dir.resolve("images"));
        Files.createFile(images.resolve("base.qcow2"));
        Files.createSymbolicLink(images.resolve("escape"), Path.of("/etc/passwd"));
        ReferenceResolver r = ReferenceResolver.confinedTo(List.of(images));
        Path overlay = images.resolve("overlay.qcow2");
        assertEquals(images.resolve("base.qcow2"), r.resolve(overlay, "base.qcow2", ReferenceKind.BACKING_FILE));
        assertThrows(ReferenceDeniedException.class, () -> r.resolve(overlay, "../secret", ReferenceKind.BACKING_FILE));
        assertThrows(ReferenceDeniedException.class, () -> r.resolve(overlay, "/etc/passwd", ReferenceKind.EXTENT));
        assertThrows(ReferenceDeniedException.class, () -> r.resolve(overlay, "escape", ReferenceKind.BACKING_FILE),
                "a symlink inside the root that points outside is refused");
    }

    @Test
    void backingChainsDetectLoopsAndDepth() throws IOException {
        Path a = Files.createFile(dir.resolve("a"));
        Path b = Files.createFile(dir.resolve("b"));
        OpenOptions top = OpenOptions.readWriteDefaults();
        OpenOptions second = top.forBacking(a, b, "qcow2");
        assertEquals(true, second.readOnly(), "backing files always open read-only");
        assertEquals("qcow2", second.format());
        assertThrows(CorruptImageException.class, () -> second.forBacking(b, a, null), "b -> a loops");
        assertThrows(CorruptImageException.class, () -> top.forBacking(a, a, null), "a -> a loops");

        OpenOptions shallow = top.withMaxChainDepth(2);
        OpenOptions o = shallow;
        for (int i = 0; i < 2; i++) {
            o = o.forBacking(Files.createFile(dir.resolve("l" + i)), dir.resolve("l" + (i + 1)), null);
        }
        OpenOptions deep = o;
        assertThrows(IOException.class, () -> deep.forBacking(dir.resolve("l2"), dir.resolve("l3"), null));
    }
}
