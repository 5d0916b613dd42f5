package dev.platter.inspect;

import dev.platter.core.Extent;
import dev.platter.core.image.*;
import dev.platter.inspect.guest.*;
import dev.platter.testdata.Fixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The README's Java snippets, compiled and run: each {@code ```java} block of README.md must appear in this file
 * line for line (its imports among this file's imports, the rest in a method below), so a snippet that stops
 * compiling or stops being true fails here.
 *
 * <p>The snippets name the tour's files ({@code Path.of("disk.raw")}, {@code Path.of("vm.qcow2")}). They run on
 * copies in a temporary folder: inside this class, {@code Path} is {@link Path the nested class below}, whose
 * {@code of} resolves names there; everything else is the real API.
 */
class ReadmeExamplesTest {
    private static java.nio.file.Path dir;

    /** Shadows java.nio.file.Path for the snippets: {@code Path.of(name)} is the file of that name in the tour. */
    static final class Path {
        private Path() {
        }

        static java.nio.file.Path of(String name) {
            return dir.resolve(name);
        }
    }

    @BeforeAll
    static void tourFiles() throws IOException {
        dir = Files.createTempDirectory("platter-readme-");
        Fixtures.expand("sample-disk.raw", dir);
        Files.move(dir.resolve("sample-disk.raw"), dir.resolve("disk.raw"));
        Images.format("qcow2").create(dir.resolve("vm.qcow2"), Files.size(dir.resolve("disk.raw")),
                CreateOptions.of(Map.of("backing_file", "disk.raw", "backing_fmt", "raw")));
    }

    @AfterAll
    static void removeTourFiles() throws IOException {
        for (String f : List.of("disk.raw", "vm.qcow2")) {
            Files.deleteIfExists(dir.resolve(f));
        }
        Files.deleteIfExists(dir);
    }

    /** README: "The Java API in a few lines", the image. */
    static void imageSnippet() throws IOException {
        try (Image disk = Images.open(Path.of("disk.raw"), OpenOptions.readOnlyDefaults().withFormat("raw"))) {
            byte[] mbr = disk.readBytes(0, 512);                       // positional, thread-safe reads
            for (long pos = 0; pos < disk.size(); ) {                  // the allocation map, hole-aware
                Extent run = disk.mapping(pos, Long.MAX_VALUE);
                System.out.println(run.start() + "+" + run.length() + " " + run.status());
                pos = run.end();
            }
        }
    }

    /** README: the guest inside. */
    static void guestSnippet() throws IOException {
        try (Guest guest = Guest.open(List.of(new DiskSpec(Path.of("vm.qcow2"), "qcow2")), GuestOptions.defaults())) {
            for (DetectedFilesystem fs : guest.filesystems()) {          // /dev/sda1 ext4 boot ...
                System.out.println(fs.name() + " " + fs.type() + " " + fs.label());
            }
            Mounts mounts = guest.mountOperatingSystem();                // as virt-cat -a does
            byte[] release = mounts.readSmallFile("/etc/os-release", 1 << 16);
            System.out.print(new String(release, StandardCharsets.UTF_8));
        }
    }

    private static String run(Snippet snippet) throws IOException {
        PrintStream out = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            snippet.run();
        } finally {
            System.setOut(out);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }

    private interface Snippet {
        void run() throws IOException;
    }

    @Test
    void imageSnippetRuns() throws IOException {
        String out = run(ReadmeExamplesTest::imageSnippet);
        assertTrue(out.startsWith("0+"), out);
        assertTrue(out.contains(" DATA") && out.contains(" ZERO"), "the sample disk has data and holes: " + out);
    }

    @Test
    void guestSnippetRuns() throws IOException {
        String out = run(ReadmeExamplesTest::guestSnippet);
        assertTrue(out.contains("/dev/sda1 ext4 boot"), out);
        assertTrue(out.contains("/dev/sda2 ext4 root"), out);
        assertTrue(out.contains("PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\""), out);
    }

    @Test
    void everyReadmeSnippetIsHere() throws IOException {
        java.nio.file.Path root = repositoryRoot();
        List<String> me = Files.readAllLines(root.resolve(
                "inspect/src/test/java/dev/platter/inspect/ReadmeExamplesTest.java"));
        List<String> mine = new ArrayList<>();
        for (String l : me) {
            mine.add(l.strip());
        }
        List<List<String>> blocks = javaBlocks(Files.readAllLines(root.resolve("README.md")));
        assertEquals(2, blocks.size(), "README's Java snippets (update this test when adding one)");
        for (List<String> block : blocks) {
            List<String> body = new ArrayList<>();
            for (String l : block) {
                if (l.startsWith("import ")) {
                    assertTrue(me.contains(l), "README import missing here: " + l);
                } else if (!l.isBlank()) {
                    body.add(l.strip());
                }
            }
            assertTrue(java.util.Collections.indexOfSubList(mine, body) >= 0,
                    "a README snippet is not in ReadmeExamplesTest line for line:\n" + String.join("\n", body));
        }
    }

    private static List<List<String>> javaBlocks(List<String> readme) {
        List<List<String>> blocks = new ArrayList<>();
        List<String> current = null;
        for (String l : readme) {
            if (current == null && l.equals("```java")) {
                current = new ArrayList<>();
            } else if (current != null && l.equals("```")) {
                blocks.add(current);
                current = null;
            } else if (current != null) {
                current.add(l);
            }
        }
        return blocks;
    }

    private static java.nio.file.Path repositoryRoot() {
        for (java.nio.file.Path p = java.nio.file.Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.exists(p.resolve("README.md")) && Files.isDirectory(p.resolve("inspect"))) {
                return p;
            }
        }
        throw new IllegalStateException("README.md not found above " + java.nio.file.Path.of("").toAbsolutePath());
    }
}
