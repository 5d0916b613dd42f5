package dev.platter.inspect.ext4;

import dev.platter.testdata.Fixtures;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The ext test images, built on first use by testdata/scripts/make-ext-images.sh (mke2fs, debugfs, e2fsck: about
 * a second each) into one temporary folder per test JVM, removed when the JVM exits. Kernel-made images
 * (ext4-kernel, ext4-kernel-dirty: make-ext-kernel-fixtures.sh, through libguestfs) come from committed fixtures.
 */
final class ExtImages {
    private static Path dir;
    private static final Map<String, Path> BUILT = new HashMap<>();

    private ExtImages() {
    }

    static synchronized Path get(String variant) {
        Path p = BUILT.get(variant);
        if (p != null) {
            return p;
        }
        try {
            if (dir == null) {
                dir = Files.createTempDirectory("platter-ext-");
                Path d = dir;
                Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(d)));
            }
            if (Fixtures.exists(variant + ".img")) {
                p = Fixtures.expand(variant + ".img", dir);
                BUILT.put(variant, p);
                return p;
            }
            ProcessBuilder pb = new ProcessBuilder("bash", script().toString(), dir.toString(), variant)
                    .redirectErrorStream(true);
            Process proc = pb.start();
            String out = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (proc.waitFor() != 0) {
                throw new IllegalStateException("make-ext-images.sh " + variant + " failed:\n" + out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        p = dir.resolve(variant + ".img");
        BUILT.put(variant, p);
        return p;
    }

    /**
     * A dirty-journal image of testdata/scripts/make-ext-journal-images.sh (VARIANT.img; the state its journal leads
     * to is VARIANT.target.img beside it), built on first use.
     */
    static synchronized Path journal(String variant) {
        Path p = BUILT.get(variant);
        if (p != null) {
            return p;
        }
        get("ext2-1k");
        try {
            Path script = script().resolveSibling("make-ext-journal-images.sh");
            Process proc = new ProcessBuilder("bash", script.toString(), dir.toString(), variant)
                    .redirectErrorStream(true).start();
            String out = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (proc.waitFor() != 0) {
                throw new IllegalStateException("make-ext-journal-images.sh " + variant + " failed:\n" + out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        p = dir.resolve(variant + ".img");
        BUILT.put(variant, p);
        return p;
    }

    static Path script() {
        Path base = Path.of(System.getProperty("basedir", System.getProperty("user.dir")));
        Path s = base.resolve("../testdata/scripts/make-ext-images.sh").normalize();
        if (!Files.exists(s)) {
            s = base.resolve("testdata/scripts/make-ext-images.sh");
        }
        return s;
    }

    static synchronized Path scratch(String name) throws IOException {
        get("ext2-1k");
        Path p = dir.resolve("scratch-" + name);
        Files.createDirectories(p);
        return p;
    }

    /** rm -rf: the tree holds names that are not valid in the JVM's file-name encoding (Latin-1 bytes). */
    private static void deleteTree(Path d) {
        try {
            new ProcessBuilder("rm", "-rf", d.toString()).start().waitFor();
        } catch (IOException ignored) {
            // best effort at exit
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
