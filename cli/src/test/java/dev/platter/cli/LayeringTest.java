package dev.platter.cli;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The one-door rule, checked on the sources: operations, the CLI, inspection and the libvirt module reach formats
 * only through the SPI and its capabilities, never by importing a format's package.
 */
class LayeringTest {
    private static final Pattern FORMAT_IMPORT = Pattern.compile("dev\\.platter\\.format\\.[a-z0-9]+");

    @Test
    void noOperationCommandOrInspectorNamesAFormatPackage() throws IOException {
        Path root = Path.of("..").toAbsolutePath().normalize();
        List<Path> trees = List.of(root.resolve("formats/src/main/java/dev/platter/operation"),
                root.resolve("cli/src/main/java"), root.resolve("inspect/src/main/java"),
                root.resolve("libvirt/src/main/java"));
        List<String> offenders = new ArrayList<>();
        int files = 0;
        for (Path tree : trees) {
            assertTrue(Files.isDirectory(tree), tree + " missing: run from the module folder");
            try (Stream<Path> walk = Files.walk(tree)) {
                for (Path f : (Iterable<Path>) walk.filter(p -> p.toString().endsWith(".java"))::iterator) {
                    files++;
                    if (FORMAT_IMPORT.matcher(Files.readString(f)).find()) {
                        offenders.add(root.relativize(f).toString());
                    }
                }
            }
        }
        assertTrue(files > 100, "too few sources found: " + files);
        assertEquals(List.of(), offenders);
    }
}
