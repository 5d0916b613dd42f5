package dev.platter.core.image;

import dev.platter.core.storage.FileStorage;
import dev.platter.core.storage.Storage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The untrusted probe: ambiguous content and names that contradict the content are refused and reported. */
class UntrustedProbeTest {
    @TempDir
    Path dir;

    @Test
    void contentTwoFormatsClaimIsRefusedUntrustedAndReported() throws IOException {
        Path file = Files.writeString(dir.resolve("disk.img"), "TWINS and more");
        try (Storage s = FileStorage.open(file, true)) {
            assertEquals("first-twin", Images.probe(s, file, OpenOptions.readOnlyDefaults()).name(),
                    "trusted probing takes the first of equals");
        }
        ImageOpenException e = assertThrows(ImageOpenException.class,
                () -> Images.open(file, OpenOptions.untrusted()));
        assertEquals("Could not open '" + file + "': the content is claimed by more than one format (first-twin, "
                + "second-twin) (refused for untrusted images; pin the format if it is known)", e.getMessage());
        assertEquals(List.of(SafetyFinding.of(SafetyFinding.Category.FORMAT,
                "the content is claimed by more than one format (first-twin, second-twin)")),
                ImageSafety.inspect(file, file.toString(), null).findings());
        assertEquals(List.of(
                SafetyFinding.of(SafetyFinding.Category.FORMAT,
                        "the content is claimed by more than one format (first-twin, second-twin)"),
                SafetyFinding.of(SafetyFinding.Category.FORMAT,
                        "the format is given as second-twin but the content probes as first-twin")),
                ImageSafety.inspect(file, file.toString(), "second-twin").findings());
    }

    @Test
    void aNameThatContradictsTheContentIsRefusedUntrusted() throws IOException {
        Path file = Files.writeString(dir.resolve("disk.first"), "SECOND");
        ImageOpenException e = assertThrows(ImageOpenException.class,
                () -> Images.open(file, OpenOptions.untrusted()));
        assertEquals("Could not open '" + file + "': the name ends in '.first' but the content probes as "
                + "second-twin (refused for untrusted images; pin the format if it is known)", e.getMessage());
        SafetyReport r = ImageSafety.inspect(file, file.toString(), null);
        assertEquals("second-twin", r.format());
        assertEquals(List.of(SafetyFinding.of(SafetyFinding.Category.FORMAT,
                "the name ends in '.first' but the content probes as second-twin")), r.findings());
        // Pinned, the open goes ahead (to the format, which here cannot open anything).
        assertThrows(UnsupportedOperationException.class,
                () -> Images.open(file, OpenOptions.untrusted().withFormat("second-twin")));
    }
}
